using WorkflowEngine.Caching;
using WorkflowEngine.Events;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Execution;

/// <summary>The outcome of a whole run: status, answer, and what every node did.</summary>
/// <param name="Trace">One entry per node that started or was skipped, in the order it happened.</param>
/// <param name="Outputs">Outputs of the nodes that ran, by node id.</param>
public sealed record RunResult(
    string RunId,
    RunStatus Status,
    string? Answer,
    string? Error,
    string? FailedNodeId,
    TimeSpan Elapsed,
    IReadOnlyList<NodeTrace> Trace,
    IReadOnlyDictionary<string, NodeOutputs> Outputs)
{
    public bool Succeeded => Status == RunStatus.Succeeded;

    /// <summary>LLM tokens used by the nodes that ran (cache hits included, as reported by the nodes), or null when none were.</summary>
    public TokenUsage? Tokens =>
        Trace.Where(t => t.Tokens is not null).Select(t => t.Tokens!).ToList() is { Count: > 0 } usages
            ? new TokenUsage(usages.Sum(u => u.InputTokens), usages.Sum(u => u.OutputTokens))
            : null;

    public NodeTrace? this[string nodeId] => Trace.FirstOrDefault(t => t.NodeId == nodeId);
}

public enum NodeRunStatus
{
    Succeeded,
    Skipped,
    Failed,
}

/// <summary>What one node did in a run. <see cref="Message"/> is the skip reason or the error; <see cref="Port"/> the output
/// port the run continued on, for steps with several.</summary>
public sealed record NodeTrace(
    string NodeId,
    string NodeType,
    string Title,
    NodeRunStatus Status,
    TimeSpan Elapsed,
    CacheOutcome? Cache,
    TokenUsage? Tokens,
    string? OutputPreview,
    IReadOnlyDictionary<string, string>? Details,
    string? Message,
    string? Port = null);

/// <summary>Folds a run's events into its trace: the one fold behind the engine's <see cref="RunResult"/>, the studio's
/// recorded runs, the HTTP API's responses and stream, and the canvas overlay. Thread-safe.</summary>
public sealed class RunTraceBuilder(WorkflowGraph graph)
{
    private readonly List<NodeTrace> _entries = new(graph.Nodes.Length);
    private readonly Lock _gate = new();

    public RunCompleted? Completed { get; private set; }

    /// <summary>A copy of the entries so far, in the order nodes started or were skipped.</summary>
    public NodeTrace[] Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>The node's entry so far, or null when it has not started or been skipped.</summary>
    public NodeTrace? Find(string nodeId)
    {
        lock (_gate)
        {
            return FindLocked(nodeId);
        }
    }

    /// <summary>Builds each node's entry once from its final event (a started node that never finishes keeps its
    /// "Did not finish." entry); titles come from the graph, so no second pass is needed.</summary>
    public void Apply(WorkflowEvent e)
    {
        lock (_gate)
        {
            ApplyLocked(e);
        }
    }

    private void ApplyLocked(WorkflowEvent e)
    {
        switch (e)
        {
            case NodeStarted s:
                Upsert(new NodeTrace(s.NodeId, s.NodeType, s.Title, NodeRunStatus.Failed, TimeSpan.Zero, null, null, null, null, "Did not finish."));
                break;
            case NodeSucceeded s:
                Upsert(new NodeTrace(s.NodeId, s.NodeType, TitleOf(s.NodeId), NodeRunStatus.Succeeded, s.Elapsed, s.Cache, s.Tokens, s.OutputPreview, s.Details, null, s.Port));
                break;
            case NodeFailed f:
                var started = FindLocked(f.NodeId);
                Upsert(new NodeTrace(f.NodeId, f.NodeType, TitleOf(f.NodeId), NodeRunStatus.Failed, f.Elapsed, started?.Cache, started?.Tokens,
                    started?.OutputPreview, started?.Details, f.Error));
                break;
            case NodeSkipped k:
                Upsert(new NodeTrace(k.NodeId, k.NodeType, TitleOf(k.NodeId), NodeRunStatus.Skipped, TimeSpan.Zero, null, null, null, null, k.Reason));
                break;
            case RunCompleted c:
                Completed = c;
                break;
        }
    }

    private string TitleOf(string nodeId) => graph.FindNode(nodeId)?.Title is { } title ? title : nodeId;

    private NodeTrace? FindLocked(string nodeId)
    {
        foreach (var entry in _entries)
        {
            if (entry.NodeId == nodeId)
            {
                return entry;
            }
        }
        return null;
    }

    private void Upsert(NodeTrace entry)
    {
        // A graph has a handful of nodes: a linear scan beats a dictionary and allocates nothing.
        for (var i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].NodeId == entry.NodeId)
            {
                _entries[i] = entry;
                return;
            }
        }
        _entries.Add(entry);
    }
}
