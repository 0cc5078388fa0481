namespace WorkflowEngine.Events;

public enum RunStatus
{
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>The run ended. <see cref="Answer"/> is the answer node's text on success; <see cref="Error"/> a plain-language message otherwise.</summary>
public sealed record RunCompleted(
    string RunId,
    DateTimeOffset Timestamp,
    RunStatus Status,
    TimeSpan Elapsed,
    string? Answer,
    string? Error,
    string? FailedNodeId) : WorkflowEvent(RunId, Timestamp);
