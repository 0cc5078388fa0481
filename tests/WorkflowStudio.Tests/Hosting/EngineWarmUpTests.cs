using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
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
