using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;

namespace WorkflowEngine.Tests.Graphs;

/// <summary>The sample FAQ bot against the engine's real node types, as the studio and the API see it.</summary>
public sealed class SampleWorkflowsPlanTests : IDisposable
{
    private readonly ServiceProvider _services;

    public SampleWorkflowsPlanTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddWorkflowEngine();
        _services = services.BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public void FaqBot_Plan_RunsTheGateBeforeTheMissPathAndTheAnswerLast()
    {
        // Act
        var plan = ExecutionPlan.Create(SampleWorkflows.FaqBot("kb-shop"));

        // Assert
        Assert.Equal(["start", "clean", "cache", "retrieve", "template", "llm", "answer"], plan.Order);
        Assert.Equal(["hit", "miss"], plan.Outgoing("cache").Select(e => e.FromPort));
    }
}
