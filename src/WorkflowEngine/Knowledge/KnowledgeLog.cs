using Microsoft.Extensions.Logging;

namespace WorkflowEngine;

/// <summary>Knowledge-base log messages (event ids 6000–6099). Part of the engine's one partial <c>Log</c> class.</summary>
internal static partial class Log
{
    [LoggerMessage(6000, LogLevel.Information, "Indexed document {DocumentName} of knowledge base {KnowledgeBaseId}: {ChunkCount} chunks in {ElapsedMs:F0} ms")]
    public static partial void DocumentIndexed(ILogger logger, string knowledgeBaseId, string documentName, int chunkCount, double elapsedMs);

    [LoggerMessage(6001, LogLevel.Warning, "Indexing document {DocumentName} of knowledge base {KnowledgeBaseId} failed")]
    public static partial void DocumentIndexingFailed(ILogger logger, Exception exception, string knowledgeBaseId, string documentName);

    [LoggerMessage(6002, LogLevel.Warning, "Publishing the change of knowledge base {KnowledgeBaseId} to the caches failed; cached results may be served until they expire")]
    public static partial void InvalidationFailed(ILogger logger, Exception exception, string knowledgeBaseId);

    [LoggerMessage(6003, LogLevel.Warning, "Embedding the query failed; knowledge base {KnowledgeBaseId} is searched by keywords only")]
    public static partial void QueryEmbeddingFailed(ILogger logger, Exception exception, string knowledgeBaseId);

    [LoggerMessage(6004, LogLevel.Error, "The knowledge-base indexing worker stopped unexpectedly")]
    public static partial void IndexingWorkerFailed(ILogger logger, Exception exception);

    [LoggerMessage(6005, LogLevel.Debug, "Loaded knowledge base {KnowledgeBaseId} version {Version} into memory: {ChunkCount} chunks")]
    public static partial void IndexLoaded(ILogger logger, string knowledgeBaseId, long version, int chunkCount);

    [LoggerMessage(6006, LogLevel.Information, "Knowledge base {KnowledgeBaseId} changed while this instance could not hear the others; its index is loaded again on the next search")]
    public static partial void IndexDroppedAfterMissedNotices(ILogger logger, string knowledgeBaseId);
}
