using WorkflowEngine.Caching;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Events;

/// <summary>A node finished, from cache or by running. <see cref="OutputPreview"/> is a shortened JSON of its outputs;
/// <see cref="Port"/> the output port the run continued on, for steps with several (null otherwise).</summary>
public sealed record NodeSucceeded(
    string RunId,
    DateTimeOffset Timestamp,
    string NodeId,
    string NodeType,
    TimeSpan Elapsed,
    CacheOutcome Cache,
    string OutputPreview,
    TokenUsage? Tokens,
    IReadOnlyDictionary<string, string>? Details,
    string? Port = null) : NodeEvent(RunId, Timestamp, NodeId, NodeType);
