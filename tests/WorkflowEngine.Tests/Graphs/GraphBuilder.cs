using System.Collections.Immutable;
using System.Text.Json;
using WorkflowEngine.Graphs;

namespace WorkflowEngine.Tests.Graphs;

/// <summary>Terse graph construction for tests: <c>Graph(Node("a", "start"), ...).With(Edge("a", "b"))</c>.</summary>
internal static class GraphBuilder
{
    public static NodeDefinition Node(string id, string type, string settingsJson = "{}", NodeCacheSettings? cache = null) =>
        new(id, type, id, JsonDocument.Parse(settingsJson).RootElement.Clone(), cache ?? NodeCacheSettings.Disabled);

    public static Edge Edge(string from, string to, string? fromPort = null, string? toPort = null) => new(from, to, fromPort, toPort);

    public static WorkflowGraph Graph(IEnumerable<NodeDefinition> nodes, IEnumerable<Edge> edges) =>
        new() { Name = "test", Nodes = [.. nodes], Edges = [.. edges] };

    /// <summary>A chain of nodes linked in order: <c>Chain(("s","start"),("a","echo"))</c>.</summary>
    public static WorkflowGraph Chain(params (string Id, string Type)[] nodes) =>
        Graph(nodes.Select(n => Node(n.Id, n.Type)), nodes.Zip(nodes.Skip(1), (a, b) => Edge(a.Id, b.Id)));

    public static ImmutableArray<string> Ids(this WorkflowGraph graph) => [.. graph.Nodes.Select(n => n.Id)];
}
