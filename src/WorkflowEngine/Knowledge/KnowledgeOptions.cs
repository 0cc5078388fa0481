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
}
