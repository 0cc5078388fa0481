namespace WorkflowEngine.Events;

/// <summary>One streamed piece of text from a node (LLM tokens, or a cached answer replayed).</summary>
public sealed record TokenStreamed(string RunId, DateTimeOffset Timestamp, string NodeId, string NodeType, string Text) : NodeEvent(RunId, Timestamp, NodeId, NodeType);
