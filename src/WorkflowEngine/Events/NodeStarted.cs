namespace WorkflowEngine.Events;

/// <summary>A node began running (after its inputs were ready).</summary>
public sealed record NodeStarted(string RunId, DateTimeOffset Timestamp, string NodeId, string NodeType, string Title) : NodeEvent(RunId, Timestamp, NodeId, NodeType);
