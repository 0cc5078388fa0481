namespace WorkflowEngine.Events;

/// <summary>A run began.</summary>
public sealed record RunStarted(string RunId, DateTimeOffset Timestamp, string WorkflowId, string ConversationId, string Query) : WorkflowEvent(RunId, Timestamp);
