using System.Collections.Concurrent;
using WorkflowEngine.Events;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Execution;

/// <summary>State of one run: the graph, the request, node outputs by node id, and the sink events go to.</summary>
public sealed class RunContext(CompiledWorkflow workflow, RunRequest request, Func<WorkflowEvent, ValueTask> publish, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, NodeOutputs> _outputs = new(StringComparer.Ordinal);

    /// <summary>A run of a graph taken as valid (hosts and tests that build a run by hand; the runner compiles and checks).</summary>
    public RunContext(WorkflowGraph graph, RunRequest request, Func<WorkflowEvent, ValueTask> publish, TimeProvider time)
        : this(new CompiledWorkflow(graph), request, publish, time)
    {
    }

    /// <summary>The graph worked out once: plan, hash, knowledge bases, upstream steps.</summary>
    public CompiledWorkflow Workflow { get; } = workflow;

    public WorkflowGraph Graph => Workflow.Graph;

    /// <summary>The order the graph runs in and its connections (which nodes come after a given one).</summary>
    public ExecutionPlan Plan => Workflow.Plan;
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
