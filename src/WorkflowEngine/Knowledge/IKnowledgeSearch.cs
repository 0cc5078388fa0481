namespace WorkflowEngine.Knowledge;

/// <summary>Searches knowledge bases for the retrieve node.</summary>
public interface IKnowledgeSearch
{
    /// <summary>The knowledge base's content version, bumped on every change; part of retrieval cache keys.
    /// Null when the knowledge base does not exist.</summary>
    ValueTask<long?> GetVersionAsync(string knowledgeBaseId, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<ScoredChunk>> SearchAsync(string knowledgeBaseId, string query, SearchOptions options, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="SearchAsync(string, string, SearchOptions, CancellationToken)"/>, with the query's embedding
    /// already computed (by the same embedding model) so it is not embedded twice; implementations without vectors ignore it.</summary>
    ValueTask<IReadOnlyList<ScoredChunk>> SearchAsync(string knowledgeBaseId, string query, ReadOnlyMemory<float> queryVector, SearchOptions options, CancellationToken cancellationToken = default) =>
        SearchAsync(knowledgeBaseId, query, options, cancellationToken);
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
