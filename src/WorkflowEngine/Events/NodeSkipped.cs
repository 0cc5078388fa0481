namespace WorkflowEngine.Events;

/// <summary>A node did not run, e.g. bypassed after a cache-gate hit.</summary>
public sealed record NodeSkipped(string RunId, DateTimeOffset Timestamp, string NodeId, string NodeType, string Reason) : NodeEvent(RunId, Timestamp, NodeId, NodeType);
