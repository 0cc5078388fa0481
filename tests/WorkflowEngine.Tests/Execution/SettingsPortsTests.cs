using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using static WorkflowEngine.Tests.Execution.TestEngine;

namespace WorkflowEngine.Tests.Execution;

/// <summary>Output ports that follow a node's settings (<see cref="IOutputPorts"/>): the descriptor, the validator and the
/// runner read them the same way for any node type, with no knowledge of the type.</summary>
public sealed class SettingsPortsTests
{
    [Fact]
    public void OutputPortsOf_SettingsPorts_TrimmedWithBlankAndRepeatedNamesLeftOut()
    {
        // Arrange
        var descriptor = Registry().Find("test-switch")!;
        var node = Node("s", "test-switch", """{ "ports": [" red ", "", "green", "red", "  "] }""");

        // Act
        var ports = descriptor.OutputPortsOf(node);

        // Assert
        Assert.True(descriptor.HasSettingsPorts);
        Assert.Equal(["red", "green"], ports);
    }

    [Fact]
    public void OutputPortsOf_StaticPortsAndNoOutput_AreTheAttributes()
    {
        // Arrange
        var registry = Registry();

        // Act
        var gate = registry.Find("test-gate")!.OutputPortsOf(Node("g", "test-gate"));
        var answer = registry.Find("answer")!.OutputPortsOf(Node("a", "answer"));

        // Assert
        Assert.Equal(["yes", "no"], gate);
        Assert.Empty(answer);
        Assert.False(registry.Find("test-gate")!.HasSettingsPorts);
    }

    [Fact]
    public void Validate_EdgesFromTheSettingsPorts_AreAccepted()
    {
        // Arrange
        using var services = Create();
        var graph = Switch("""{ "ports": ["red", "green"], "choose": "green" }""");

        // Act
        var problems = services.GetRequiredService<GraphValidator>().Validate(graph);

        // Assert
        Assert.Empty(problems);
    }

    [Fact]
    public void Validate_EdgeFromAPortTheSettingsNoLongerHave_SaysItIsGoneAndNamesTheNewOnes()
    {
        // Arrange: "green" was renamed "blue"; the connection still leaves from "green".
        using var services = Create();
        var graph = Switch("""{ "ports": ["red", "blue"], "choose": "red" }""");

        // Act
        var problem = Assert.Single(services.GetRequiredService<GraphValidator>().Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.UnknownPort, problem.Code);
        Assert.Equal("s", problem.NodeId);
        Assert.Equal("$.edges[2].fromPort", problem.Path);
        Assert.Equal("A connection leaves node 's' from an output called 'green', which it no longer has: its outputs are now 'red' or 'blue'. "
            + "Connect 'g' to one of them, or delete the connection.", problem.Message);
    }

    [Fact]
    public void Validate_EdgeWithoutPortFromSettingsPorts_MustSayWhichOutput()
    {
        // Arrange
        using var services = Create();
        var graph = Switch("""{ "ports": ["red", "green"] }""") is var g ? g with { Edges = g.Edges.SetItem(1, Edge("s", "r")) } : g;

        // Act
        var problem = Assert.Single(services.GetRequiredService<GraphValidator>().Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.PortRequired, problem.Code);
        Assert.Contains("'red' or 'green'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnreadableSettings_ReportedOnceWithoutGuessingPorts()
    {
        // Arrange
        using var services = Create();
        var graph = Switch("""{ "ports": "red" }""");

        // Act
        var problems = services.GetRequiredService<GraphValidator>().Validate(graph);

        // Assert
        var problem = Assert.Single(problems);
        Assert.Equal(ProblemCodes.MalformedSettings, problem.Code);
    }

    [Fact]
    public async Task RunToCompletionAsync_NodeContinuesOnASettingsPort_ThatBranchRunsTheOtherIsSkipped()
    {
        // Arrange
        using var services = Create();
        var graph = Switch("""{ "ports": ["red", "green"], "choose": "green" }""");

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal("went green", result.Answer);
        Assert.Equal("green", result["s"]!.Port);
        Assert.Equal(NodeRunStatus.Skipped, result["r"]!.Status);
        Assert.Equal("bypassed: 's' continued on 'green'", result["r"]!.Message);
    }

    [Fact]
    public async Task RunToCompletionAsync_NodeContinuesOnAPortItDoesNotHave_FailsNamingItsPorts()
    {
        // Arrange
        using var services = Create();
        var graph = Switch("""{ "ports": ["red", "green"], "choose": "purple" }""");

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("s", result.FailedNodeId);
        Assert.Equal("'s' failed: it chose the output 'purple', which it does not have; its outputs are 'red' or 'green'.", result.Error);
        Assert.Equal(NodeRunStatus.Skipped, result["g"]?.Status ?? NodeRunStatus.Skipped);
    }

    [Fact]
    public async Task RunToCompletionAsync_StaticPortsNodeContinuesOnAnUnknownPort_FailsToo()
    {
        // Arrange
        using var services = Create();
        var graph = Graph(
            [Node("start", "start"), Node("gate", "test-gate", """{ "port": "maybe" }"""), Node("answer", "answer", """{ "template": "x" }""")],
            Edge("start", "gate"), Edge("gate", "answer", "yes"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        Assert.Equal("'gate' failed: it chose the output 'maybe', which it does not have; its outputs are 'yes' or 'no'.", result.Error);
    }

    private static NodeRegistry Registry() =>
        new(NodeRegistry.Discover().Concat(NodeRegistry.Discover(typeof(TestEngine).Assembly).Where(d => d.Key.StartsWith("test-", StringComparison.Ordinal))));

    /// <summary>start → s; s(red) → r → answer; s(green) → g → answer.</summary>
    private static WorkflowGraph Switch(string settings) => Graph(
        [
            Node("start", "start"),
            Node("s", "test-switch", settings),
            Node("r", "test-echo", """{ "text": "went red" }"""),
            Node("g", "test-echo", """{ "text": "went green" }"""),
            Node("answer", "answer", """{ "template": "{{ r.text }}{{ g.text }}" }"""),
        ],
        Edge("start", "s"), Edge("s", "r", "red"), Edge("s", "g", "green"), Edge("r", "answer"), Edge("g", "answer"));
}

/// <summary>A node whose output ports are its <c>ports</c> setting; it continues on <c>choose</c>.</summary>
[NodeType("test-switch", Outputs = ["port"])]
internal sealed class SwitchTestNode : Node<SwitchTestNode.Config, string>
{
    public sealed record Config : IOutputPorts
    {
        public IReadOnlyList<string> Ports { get; init; } = [];

        public string Choose { get; init; } = "";

        [System.Text.Json.Serialization.JsonIgnore]
        public IEnumerable<string> OutputPorts => Ports;
    }

    protected override string ResolveInput(NodeContext context, Config config) => config.Choose;

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { port = input })) { ActivePort = input });
}
