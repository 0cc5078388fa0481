namespace WorkflowEngine.Events;

/// <summary>Base of every event a run reports. Events are past-tense facts, consumable as a stream by the studio and the API.</summary>
public abstract record WorkflowEvent(string RunId, DateTimeOffset Timestamp);
