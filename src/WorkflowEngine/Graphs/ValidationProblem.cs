namespace WorkflowEngine.Graphs;

/// <summary>One thing wrong with a workflow, in plain language. <see cref="NodeId"/> is null for whole-graph problems;
/// <see cref="Path"/> is the JSON path for document (parse) problems.</summary>
public sealed record ValidationProblem(string Code, string Message, string? NodeId = null, string? Path = null);
