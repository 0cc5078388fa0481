namespace WorkflowEngine.Execution;

/// <summary>How workflows run. Bound from the <c>Engine:Execution</c> configuration section.</summary>
public sealed class ExecutionOptions
{
    public const string SectionName = "Engine:Execution";

    /// <summary>How long one node may run before it is stopped and the run fails. Longer than the LLM's own time limit
    /// (<c>Llm:TimeoutSeconds</c>, 60 s), so a hanging model gets the LLM's more specific message.</summary>
    /// <value>90 seconds.</value>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Longest output preview carried on <c>NodeSucceeded</c> events, in characters.</summary>
    /// <value>400.</value>
    public int OutputPreviewLength { get; set; } = 400;
}
