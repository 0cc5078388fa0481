using System.ComponentModel.DataAnnotations;

namespace WorkflowEngine.Knowledge;

/// <summary>How knowledge bases are kept in memory (configuration section <c>Knowledge</c>).</summary>
public sealed class KnowledgeOptions
{
    public const string SectionName = "Knowledge";

    /// <summary>Knowledge-base indexes (chunks, vectors, keyword index) kept in memory; the least recently searched one is dropped
    /// when another is loaded, and read again from the database when it is next searched.</summary>
    /// <value>20.</value>
    [Range(1, 10_000)]
    public int MaxLoadedIndexes { get; set; } = 20;

    /// <summary>How long an instance holds a document it indexes before another instance sharing the database may take it over
    /// (renewed after every batch of chunks, so only an instance that stopped loses it).</summary>
    /// <value>30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan IndexingLease { get; set; } = TimeSpan.FromSeconds(30);
}
