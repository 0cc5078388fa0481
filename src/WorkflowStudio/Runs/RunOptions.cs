using System.ComponentModel.DataAnnotations;

namespace WorkflowStudio.Runs;

/// <summary>How runs are recorded and remembered. Bound from the <c>Studio:Runs</c> configuration section.</summary>
public sealed class RunOptions
{
    public const string SectionName = "Studio:Runs";

    /// <summary>Recorded runs kept per workflow; older ones are deleted as new ones are recorded.</summary>
    /// <value>200.</value>
    [Range(1, 1_000_000)]
    public int KeepPerWorkflow { get; set; } = 200;

    /// <summary>Messages (user and assistant turns) kept in a conversation's memory; LLM nodes use the last few of them.</summary>
    /// <value>100.</value>
    [Range(2, 1_000)]
    public int MemoryTurns { get; set; } = 100;

    /// <summary>Finished runs waiting to be stored. When the queue is full (the database is slower than the runs, or unavailable
    /// for a while), a finishing run waits for room instead of being dropped.</summary>
    /// <value>10,000.</value>
    [Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>On shutdown, how long the recorder keeps retrying runs it could not store yet before it gives up on them.</summary>
    /// <value>30 seconds.</value>
    [Range(0, 3_600)]
    public int ShutdownDrainSeconds { get; set; } = 30;
}
