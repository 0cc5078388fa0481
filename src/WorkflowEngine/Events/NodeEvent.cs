namespace WorkflowEngine.Events;

/// <summary>Base of events about one node.</summary>
public abstract record NodeEvent(string RunId, DateTimeOffset Timestamp, string NodeId, string NodeType) : WorkflowEvent(RunId, Timestamp);
