using WorkflowEngine.Persistence;

namespace WorkflowEngine.Knowledge;

public sealed record KnowledgeBaseSummary(
    string Id, string Name, string? Description, long Version, int DocumentCount, int ChunkCount, long SizeBytes,
    int ChunkSize, int ChunkOverlap, DateTimeOffset UpdatedAt);

/// <param name="IndexedChunks">Chunks embedded so far of <paramref name="ChunksToIndex"/> while the document is indexed, by
/// whichever instance indexes it (both 0 before its chunks are known).</param>
public sealed record KnowledgeDocumentSummary(
    string Id, string KnowledgeBaseId, string Name, long SizeBytes, int ChunkCount, DocumentState State, string? Error, DateTimeOffset UpdatedAt,
    int IndexedChunks = 0, int ChunksToIndex = 0)
{
    /// <summary>0..1: Pending 0, Indexing chunks embedded / chunks, Ready or Failed 1.</summary>
    public double Fraction => State switch
    {
        DocumentState.Ready or DocumentState.Failed => 1,
        DocumentState.Indexing when ChunksToIndex > 0 => (double)IndexedChunks / ChunksToIndex,
        _ => 0,
    };
}

/// <summary>Where indexing of one document stands; published while documents are chunked and embedded.</summary>
public sealed record IndexingProgress(
    string KnowledgeBaseId, string DocumentId, string DocumentName, DocumentState State, int ChunksDone, int ChunksTotal, string? Error = null)
{
    /// <summary>0..1: Pending 0, Indexing chunks done / total, Ready or Failed 1.</summary>
    public double Fraction => State switch
    {
        DocumentState.Ready or DocumentState.Failed => 1,
        DocumentState.Indexing when ChunksTotal > 0 => (double)ChunksDone / ChunksTotal,
        _ => 0,
    };
}

/// <summary>The search playground's answer: hits with keyword score, vector score and fused rank, and how long it took.</summary>
public sealed record PlaygroundResult(IReadOnlyList<ScoredChunk> Hits, TimeSpan Elapsed, long Version);

/// <summary>A knowledge-base request that cannot be done, with a message meant for the person who made it.</summary>
public sealed class KnowledgeBaseException(string message) : Exception(message);
