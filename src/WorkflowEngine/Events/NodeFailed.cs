namespace WorkflowEngine.Events;

/// <summary>A node failed; the run fails with this plain-language message.</summary>
public sealed record NodeFailed(string RunId, DateTimeOffset Timestamp, string NodeId, string NodeType, TimeSpan Elapsed, string Error) : NodeEvent(RunId, Timestamp, NodeId, NodeType);
