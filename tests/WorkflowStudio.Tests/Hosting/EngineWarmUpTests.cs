using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;
using WorkflowStudio.Hosting;
using WorkflowStudio.Runs;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Hosting;

/// <summary>The start-up warm-up against the real studio (temp SQLite file, in-process cache).</summary>
public sealed class EngineWarmUpTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Start_NoModelConfigured_WarmsUpWithoutLeavingRunsOrCacheFigures()
    {
        // Arrange + Act: a studio on the embedded defaults (offline responder)
        await using var studio = await StudioServer.StartAsync();
        await studio.Services.GetRequiredService<EngineWarmUp>().Completed.WaitAsync(Patience);

        // Assert: it ran (the whole sample bot, twice), and left nothing a user would see
        Assert.Contains(studio.Logs, l => l.Message.StartsWith("Engine warmed up", StringComparison.Ordinal));
        Assert.Empty(await studio.Services.GetRequiredService<RunHistory>().ListAsync(new RunQuery()));
        Assert.Empty(studio.Services.GetRequiredService<CacheStatistics>().Workflows);
        Assert.Empty(studio.Problems);
    }

    [Fact]
    public async Task Start_ModelConfigured_WarmsUpWithoutCallingIt()
    {
        // Arrange
        await using var llm = await FakeOpenAiServer.StartAsync();

        // Act
        await using var studio = await StudioServer.StartAsync(new Dictionary<string, string?>
        {
            ["Llm:BaseUrl"] = llm.BaseUrl,
            ["Llm:ApiKey"] = llm.ApiKey,
            ["Llm:Model"] = llm.Model,
        });
        await studio.Services.GetRequiredService<EngineWarmUp>().Completed.WaitAsync(Patience);

        // Assert: start-up never pays for a model call
        Assert.Contains(studio.Logs, l => l.Message.StartsWith("Engine warmed up", StringComparison.Ordinal));
        Assert.Equal(0, llm.ChatCallCount);
        Assert.Empty(studio.Problems);
    }

    [Fact]
    public async Task Start_TurnedOff_DoesNothing()
    {
        // Arrange + Act
        await using var studio = await StudioServer.StartAsync(new Dictionary<string, string?> { ["Studio:WarmUp"] = "false" });
        await studio.Services.GetRequiredService<EngineWarmUp>().Completed.WaitAsync(Patience);

        // Assert
        Assert.DoesNotContain(studio.Logs, l => l.Message.StartsWith("Engine warmed up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WarmUp_AWorkflowMatchesByMeaning_RunsTheSemanticPathToo()
    {
        // Arrange: a saved workflow whose response cache matches questions by meaning
        await using var studio = await StudioServer.StartAsync();
        var warmUp = studio.Services.GetRequiredService<EngineWarmUp>();
        await warmUp.Completed.WaitAsync(Patience);
        var store = studio.Services.GetRequiredService<WorkflowStore>();
        await store.CreateAsync(EngineWarmUp.WithMatchMode(SampleWorkflows.FaqBot(SampleKnowledgeBase.Id), "semantic") with { Name = "Semantic bot" });

        // Act
        await warmUp.WarmUpAsync(CancellationToken.None).WaitAsync(Patience);

        // Assert: the first start had nothing semantic to warm; this one did, and still left no figures behind
        var warmed = studio.Logs.Where(l => l.Message.StartsWith("Engine warmed up", StringComparison.Ordinal)).Select(l => l.Message).ToList();
        Assert.Equal(2, warmed.Count);
        Assert.EndsWith("semantic matching too: False)", warmed[0]);
        Assert.EndsWith("semantic matching too: True)", warmed[1]);
        Assert.Empty(studio.Services.GetRequiredService<CacheStatistics>().Workflows);
        Assert.Empty(studio.Problems);
    }

    [Fact]
    public void WithMatchMode_Semantic_ChangesOnlyTheResponseCachesMatchMode()
    {
        // Arrange
        var graph = SampleWorkflows.FaqBot(SampleKnowledgeBase.Id);

        // Act
        var semantic = EngineWarmUp.WithMatchMode(graph, "semantic");

        // Assert
        var gate = semantic.Nodes.Single(n => n.Type == "cache");
        Assert.Equal("semantic", gate.Settings.GetProperty("matchMode").GetString());
        Assert.Equal(0.25, gate.Settings.GetProperty("threshold").GetDouble());
        Assert.Equal(graph.Nodes.Where(n => n.Type != "cache"), semantic.Nodes.Where(n => n.Type != "cache"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Graph_WithOrWithoutTheModelStep_IsAValidWorkflow(bool withModel)
    {
        // Arrange
        var validator = new ServiceCollection().AddWorkflowEngine().BuildServiceProvider().GetRequiredService<GraphValidator>();

        // Act
        var graph = EngineWarmUp.Graph(SampleKnowledgeBase.Id, withModel);

        // Assert
        Assert.Empty(validator.Validate(graph));
        Assert.Equal(withModel, graph.Nodes.Any(n => n.Type == "llm"));
    }
}
