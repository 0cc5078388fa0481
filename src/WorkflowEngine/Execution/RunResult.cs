using WorkflowEngine.Caching;
using WorkflowEngine.Events;
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

/// <summary>What one node did in a run. <see cref="Message"/> is the skip reason or the error.</summary>
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
    string? Message);

/// <summary>Builds the trace of a run from its events.</summary>
internal sealed class RunTraceBuilder
{
    private readonly List<NodeTrace> _entries = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public RunCompleted? Completed { get; private set; }

    public IReadOnlyList<NodeTrace> Entries => _entries;

    public void Apply(WorkflowEvent e)
    {
        switch (e)
        {
            case NodeStarted s:
                Upsert(new NodeTrace(s.NodeId, s.NodeType, s.Title, NodeRunStatus.Failed, TimeSpan.Zero, null, null, null, null, "Did not finish."));
                break;
            case NodeSucceeded s:
                Update(s.NodeId, t => t with { Status = NodeRunStatus.Succeeded, Elapsed = s.Elapsed, Cache = s.Cache, Tokens = s.Tokens, OutputPreview = s.OutputPreview, Details = s.Details, Message = null });
                break;
            case NodeFailed f:
                Update(f.NodeId, t => t with { Status = NodeRunStatus.Failed, Elapsed = f.Elapsed, Message = f.Error });
                break;
            case NodeSkipped k:
                Upsert(new NodeTrace(k.NodeId, k.NodeType, k.NodeId, NodeRunStatus.Skipped, TimeSpan.Zero, null, null, null, null, k.Reason));
                break;
            case RunCompleted c:
                Completed = c;
                break;
        }
    }

    public void SetTitles(Func<string, string?> titleOf)
    {
        for (var i = 0; i < _entries.Count; i++)
        {
            if (titleOf(_entries[i].NodeId) is { } title)
            {
                _entries[i] = _entries[i] with { Title = title };
            }
        }
    }

    private void Upsert(NodeTrace entry)
    {
        if (_index.TryGetValue(entry.NodeId, out var i))
        {
            _entries[i] = entry;
        }
        else
        {
            _index[entry.NodeId] = _entries.Count;
            _entries.Add(entry);
        }
    }

    private void Update(string nodeId, Func<NodeTrace, NodeTrace> change)
    {
        if (_index.TryGetValue(nodeId, out var i))
        {
            _entries[i] = change(_entries[i]);
        }
        else
        {
            Upsert(change(new NodeTrace(nodeId, "", nodeId, NodeRunStatus.Failed, TimeSpan.Zero, null, null, null, null, null)));
        }
    }
}
