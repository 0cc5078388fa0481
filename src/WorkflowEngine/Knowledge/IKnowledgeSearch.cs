namespace WorkflowEngine.Knowledge;

/// <summary>Searches knowledge bases for the retrieve node.</summary>
public interface IKnowledgeSearch
{
    /// <summary>The knowledge base's content version, bumped on every change; part of retrieval cache keys.
    /// Null when the knowledge base does not exist.</summary>
    ValueTask<long?> GetVersionAsync(string knowledgeBaseId, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<ScoredChunk>> SearchAsync(string knowledgeBaseId, string query, SearchOptions options, CancellationToken cancellationToken = default);

    /// <summary>How far the knowledge base's first indexing got while its documents are not yet all indexed for the first time;
    /// null after that (and for an empty or unknown base). Until then an answer would be built from part of it.</summary>
    ValueTask<FirstIndexing?> GetFirstIndexingAsync(string knowledgeBaseId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<FirstIndexing?>(null);

    /// <summary>As <see cref="SearchAsync(string, string, SearchOptions, CancellationToken)"/>, with the query's embedding
    /// already computed (by the same embedding model) so it is not embedded twice; implementations without vectors ignore it.</summary>
    ValueTask<IReadOnlyList<ScoredChunk>> SearchAsync(string knowledgeBaseId, string query, ReadOnlyMemory<float> queryVector, SearchOptions options, CancellationToken cancellationToken = default) =>
        SearchAsync(knowledgeBaseId, query, options, cancellationToken);
}

/// <summary>A knowledge base whose documents are being indexed for the first time: <paramref name="DocumentsReady"/> of
/// <paramref name="Documents"/> are done.</summary>
public sealed record FirstIndexing(string KnowledgeBaseId, string Name, int DocumentsReady, int Documents)
{
    /// <summary>What a user is told instead of an answer from part of the base (it names no knowledge base, so it can go to
    /// a run key's caller too).</summary>
    public string Message => $"The knowledge base is still being indexed ({DocumentsReady} of {Documents} documents ready). Try again in a few seconds.";
}

public enum SearchMode
{
    Keyword,
    Vector,
    Hybrid,
}

public sealed record SearchOptions(int TopK = 3, double MinScore = 0, SearchMode Mode = SearchMode.Hybrid);

/// <summary>A piece of a document with the heading it sits under.</summary>
public sealed record KnowledgeChunk(string DocumentId, string DocumentName, string? Heading, string Text, int Ordinal = 0);

/// <summary>A search hit. <see cref="Score"/> is what MinScore is compared with (0..1); the others explain it.</summary>
public sealed record ScoredChunk(KnowledgeChunk Chunk, double Score, int Rank, double? KeywordScore = null, double? VectorScore = null);
