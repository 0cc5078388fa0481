using System.Text.Json;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Tests.Nodes.Types;

/// <summary>Runs one node type directly (no runner): earlier outputs are set on a real RunContext.</summary>
internal sealed class NodeHarness
{
    private readonly RunContext _run;

    public NodeHarness(WorkflowGraph? graph = null, RunRequest? request = null)
    {
        _run = new RunContext(graph ?? new WorkflowGraph(), request ?? new RunRequest("wf", "hello"), e => { Events.Add(e); return ValueTask.CompletedTask; }, TimeProvider.System);
    }

    public List<WorkflowEvent> Events { get; } = [];

    public NodeHarness With(string nodeId, object outputs)
    {
        _run.SetOutputs(nodeId, NodeOutputs.From(outputs));
        return this;
    }

    public static NodeDefinition Definition(string id, string type, object? settings = null) =>
        new(id, type, id, settings is null ? NodeDefinition.EmptySettings : JsonSerializer.SerializeToElement(settings, new JsonSerializerOptions(JsonSerializerDefaults.Web)), NodeCacheSettings.Disabled);

    public ValueTask<PreparedNode> PrepareAsync(Node node, NodeDefinition definition) => node.PrepareAsync(new NodeContext(_run, definition), CancellationToken.None);

    public async Task<NodeResult> RunAsync(Node node, NodeDefinition definition)
    {
        var prepared = await PrepareAsync(node, definition);
        return await prepared.ExecuteAsync(CancellationToken.None);
    }
}
