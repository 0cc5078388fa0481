using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;

namespace WorkflowEngine.Tests.Graphs;

/// <summary>The order and account router sample against the engine's real node types.</summary>
public sealed class RoutingSampleTests : IAsyncLifetime
{
    private readonly ServiceProvider _services;

    public RoutingSampleTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddWorkflowEngine();
        _services = services.BuildServiceProvider();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public void RoutingBot_RealNodeTypes_ValidatesWithoutProblems()
    {
        // Arrange
        var graph = SampleWorkflows.RoutingBot("kb-help", "kb-orders", "kb-account");

        // Act
        var problems = _services.GetRequiredService<GraphValidator>().Validate(WorkflowJson.Serialize(graph));

        // Assert
        Assert.Empty(problems.Select(p => $"{p.Code} {p.NodeId}: {p.Message}"));
    }

    [Fact]
    public void RoutingBot_Router_HasAnOutputPerDeskAndEachLeadsToItsOwnKnowledgeBase()
    {
        // Arrange
        var graph = SampleWorkflows.RoutingBot("kb-help", "kb-orders", "kb-account");
        var route = graph.FindNode("route")!;

        // Act
        var ports = _services.GetRequiredService<NodeRegistry>().Find(route.Type)!.OutputPortsOf(route);

        // Assert
        Assert.Equal(NodeRegistry.KeyOf<ClassifyNode>(), route.Type);
        Assert.Equal(["orders", "account", "other"], ports);
        var searched = graph.Edges.Where(e => e.From == "route")
            .ToDictionary(e => e.FromPort!, e => graph.FindNode(e.To)!.Settings.GetProperty("knowledgeBaseId").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["orders"] = "kb-orders", ["account"] = "kb-account", ["other"] = "kb-help" }, searched);
    }
}
