using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;

namespace WorkflowEngine.Nodes;

/// <summary>What a node may read while it runs: its own definition, the run's request and the outputs of nodes that ran before it.</summary>
public sealed class NodeContext(RunContext run, NodeDefinition node)
{
    public RunContext Run { get; } = run;
    public NodeDefinition Node { get; } = node;
    public RunRequest Request => Run.Request;
    public WorkflowGraph Graph => Run.Graph;

    /// <summary>Outputs of a node that already ran in this run, or null.</summary>
    public NodeOutputs? GetOutputs(string nodeId) => Run.GetOutputs(nodeId);

    /// <summary>Sends one streamed token (LLM output) to whoever watches the run.</summary>
    public ValueTask StreamTokenAsync(string text) => Run.StreamTokenAsync(Node.Id, text);
}
