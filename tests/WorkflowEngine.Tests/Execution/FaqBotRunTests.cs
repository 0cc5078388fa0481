using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowEngine.Caching;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Tests.Execution;

/// <summary>The sample FAQ bot on the whole engine (AddWorkflowEngine: real node types, caching middleware with L1 only, the
/// offline responder), with the sample articles in the simple keyword search instead of the SQLite-backed store.</summary>
public sealed class FaqBotRunTests : IAsyncLifetime
{
    private readonly ServiceProvider _services;

    public FaqBotRunTests()
    {
        var search = new SimpleKeywordSearch();
        search.SetChunks(SampleKnowledgeBase.Id, SampleKnowledgeBase.Articles.Select(a =>
            new KnowledgeChunk(a.Intent, a.Name, a.Text.Split('\n')[0].TrimStart('#', ' '), a.Text)));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddWorkflowEngine();
        services.Replace(ServiceDescriptor.Singleton<IKnowledgeSearch>(search));
        _services = services.BuildServiceProvider();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task RunToCompletionAsync_SameQuestionReworded_SecondRunIsAnsweredByTheCacheGate()
    {
        // Arrange
        var runner = _services.GetRequiredService<WorkflowRunner>();
        var bot = SampleWorkflows.FaqBot(SampleKnowledgeBase.Id);

        // Act
        var first = await runner.RunToCompletionAsync(bot, new RunRequest("faq", "How do I get a refund?"));
        var secondEvents = new List<WorkflowEvent>();
        var second = await runner.RunToCompletionAsync(bot, new RunRequest("faq", "  HOW DO I GET A REFUND ???  "), e =>
        {
            secondEvents.Add(e);
            return ValueTask.CompletedTask;
        });

        // Assert
        Assert.True(first.Succeeded, first.Error);
        Assert.False(string.IsNullOrWhiteSpace(first.Answer));
        Assert.True(first.Outputs["retrieve"].Get<bool>("found"));
        Assert.Equal(["start", "clean", "cache", "retrieve", "template", "llm", "answer"], first.Trace.Select(t => t.NodeId));
        Assert.All(first.Trace, t => Assert.Equal(NodeRunStatus.Succeeded, t.Status));

        Assert.True(second.Succeeded, second.Error);
        Assert.Equal(first.Answer, second.Answer);
        Assert.Equal("how do i get a refund", second.Outputs["clean"].GetString("text"));
        foreach (var bypassed in new[] { "retrieve", "template", "llm" })
        {
            Assert.Equal(NodeRunStatus.Skipped, second[bypassed]!.Status);
            Assert.Equal("bypassed: answered from cache", second[bypassed]!.Message);
        }
        Assert.Equal(CacheStatus.Hit, secondEvents.OfType<NodeSucceeded>().Single(e => e.NodeId == "cache").Cache.Status);
        Assert.Equal(3, secondEvents.OfType<NodeSkipped>().Count());
    }
}
