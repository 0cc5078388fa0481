using System.Collections.Concurrent;
using WorkflowEngine.Events;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Execution;

/// <summary>State of one run: the graph, the request, node outputs by node id, and the sink events go to.</summary>
/// <param name="plan">The graph's execution plan, when the caller has it (the runner does); otherwise built on first use.</param>
public sealed class RunContext(WorkflowGraph graph, RunRequest request, Func<WorkflowEvent, ValueTask> publish, TimeProvider time, ExecutionPlan? plan = null)
{
    private readonly ConcurrentDictionary<string, NodeOutputs> _outputs = new(StringComparer.Ordinal);
    private ExecutionPlan? _plan = plan;

    public WorkflowGraph Graph { get; } = graph;

    /// <summary>The order the graph runs in and its connections (which nodes come after a given one).</summary>
    public ExecutionPlan Plan => _plan ??= ExecutionPlan.Create(Graph);
    public RunRequest Request { get; } = request;
    public string RunId => Request.RunId;
    public string WorkflowId => Request.WorkflowId;
    public TimeProvider Time { get; } = time;

    public NodeOutputs? GetOutputs(string nodeId) => _outputs.TryGetValue(nodeId, out var o) ? o : null;

    public IReadOnlyDictionary<string, NodeOutputs> Outputs => _outputs;

    internal void SetOutputs(string nodeId, NodeOutputs outputs) => _outputs[nodeId] = outputs;

    public ValueTask PublishAsync(WorkflowEvent e) => publish(e);

    public ValueTask StreamTokenAsync(string nodeId, string text)
    {
        var node = Graph.FindNode(nodeId);
        return publish(new TokenStreamed(RunId, Time.GetUtcNow(), nodeId, node?.Type ?? "", text));
    }
}
