using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Runs;

/// <summary>The graph a recorded run is replayed on.</summary>
/// <param name="Version">The saved version shown.</param>
/// <param name="IsCurrent">The version shown is the workflow's current one.</param>
/// <param name="MissingNodeIds">Steps of the run that this graph no longer has (the workflow changed since, or the run used unsaved edits).</param>
public sealed record RunGraph(WorkflowGraph Graph, int Version, bool IsCurrent, IReadOnlyList<string> MissingNodeIds);

/// <summary>
/// Finds the graph to replay a recorded run on. Runs store their trace, not their graph (the API records thousands a second),
/// so the graph comes from the workflow's saved versions: the one that was current when the run started, or the current one,
/// whichever has every step the run went through (else the one that has most of them).
/// </summary>
public sealed class RunGraphs(WorkflowStore workflows)
{
    /// <summary>Null when the workflow was never saved (a test-chat run of a new workflow) or has been deleted.</summary>
    public async Task<RunGraph?> FindAsync(RunSummary run, IReadOnlyList<RunTraceEntry> trace, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(trace);
        if (await workflows.GetAsync(run.WorkflowId, cancellationToken) is not { } current)
        {
            return null;
        }
        var candidates = new List<(WorkflowGraph Graph, int Version)>();
        var versions = await workflows.ListVersionsAsync(run.WorkflowId, cancellationToken);
        if (versions.Where(v => v.SavedAt <= run.StartedAt).MaxBy(v => v.Version) is { } then && then.Version != current.Version
            && await workflows.GetVersionAsync(run.WorkflowId, then.Version, cancellationToken) is { } thenGraph)
        {
            candidates.Add((thenGraph, then.Version));
        }
        candidates.Add((current.Graph, current.Version));

        var traced = trace.Select(t => t.NodeId).ToList();
        var best = candidates
            .Select(c => (c.Graph, c.Version, Missing: traced.Where(id => c.Graph.FindNode(id) is null).ToList()))
            .OrderBy(c => c.Missing.Count)
            .First();
        return new RunGraph(best.Graph, best.Version, best.Version == current.Version, best.Missing);
    }
}
