using Microsoft.Extensions.Logging;

namespace WorkflowEngine.Caching;

/// <summary>The cache's log messages (event ids 3000–3099).</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Warning, "Redis at {Endpoint} is unreachable ({Reason}); caching continues in memory only")]
    public static partial void RedisConnectionFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(3001, LogLevel.Information, "Redis at {Endpoint} is reachable again; L2 caching resumes")]
    public static partial void RedisConnectionRestored(ILogger logger, string endpoint);

    [LoggerMessage(3010, LogLevel.Information, "Redis primary of service {ServiceName} is now {Endpoint} (Sentinel failover); L2 caching resumes")]
    public static partial void RedisPrimaryChanged(ILogger logger, string endpoint, string serviceName);

    [LoggerMessage(3011, LogLevel.Information, "Redis Sentinel configured: thread-pool minimum raised from {Before} to {After} workers, so failovers do not starve requests")]
    public static partial void ThreadPoolMinimumRaised(ILogger logger, int before, int after);

    [LoggerMessage(3012, LogLevel.Warning, "Could not subscribe to the Redis channel {Channel}; trying again every second, until then other instances' notices reach this one only by expiry")]
    public static partial void SubscribeFailed(ILogger logger, string channel);

    [LoggerMessage(3002, LogLevel.Warning, "Cache trouble for node {NodeId} of workflow {WorkflowId}; the node ran without the cache: {Reason}")]
    public static partial void CacheTrouble(ILogger logger, string workflowId, string nodeId, string reason);

    [LoggerMessage(3003, LogLevel.Information, "Cache cleared for workflow {WorkflowId} (node {NodeId})")]
    public static partial void CacheCleared(ILogger logger, string workflowId, string? nodeId);

    [LoggerMessage(3004, LogLevel.Information, "Knowledge base {KnowledgeBaseId} changed: its cached results were dropped")]
    public static partial void KnowledgeBaseInvalidated(ILogger logger, string knowledgeBaseId);

    [LoggerMessage(3005, LogLevel.Warning, "A knowledge-base change handler failed for {KnowledgeBaseId}")]
    public static partial void KnowledgeBaseHandlerFailed(ILogger logger, Exception exception, string knowledgeBaseId);

    [LoggerMessage(3006, LogLevel.Warning, "Could not publish or subscribe knowledge-base changes over Redis; other instances will catch up when their entries expire")]
    public static partial void PubSubFailed(ILogger logger, Exception exception);

    [LoggerMessage(3007, LogLevel.Warning, "A cached entry for {Key} could not be read and will be replaced")]
    public static partial void CorruptEntry(ILogger logger, string key);

    [LoggerMessage(3090, LogLevel.Warning, "A cache-clear handler failed for workflow {WorkflowId}")]
    public static partial void CacheClearHandlerFailed(ILogger logger, Exception exception, string workflowId);

    [LoggerMessage(3091, LogLevel.Warning, "A wrong-answer handler failed for workflow {WorkflowId}")]
    public static partial void AnswerRejectedHandlerFailed(ILogger logger, Exception exception, string workflowId);

    [LoggerMessage(3092, LogLevel.Information, "A cached answer of node {NodeId} of workflow {WorkflowId} was reported wrong (pair blocked: {PairBlocked})")]
    public static partial void AnswerReportedWrong(ILogger logger, string workflowId, string nodeId, bool pairBlocked);

    [LoggerMessage(3008, LogLevel.Debug, "Releasing the distributed lock for {Key} failed; it expires on its own")]
    public static partial void LockReleaseFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(3009, LogLevel.Debug, "Closing the Redis connection failed ({Type}: {Message}); nothing was left to release")]
    public static partial void RedisDisposeFailed(ILogger logger, string type, string message);

    [LoggerMessage(3013, LogLevel.Warning, "Writing {Count} conversation-memory entries to Redis failed; they stay in this instance's memory")]
    public static partial void MemoryWriteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(3014, LogLevel.Debug, "{Count} conversation-memory entries did not reach Redis; they stay in this instance's memory until they expire or a later turn reaches Redis")]
    public static partial void MemoryKeptLocally(ILogger logger, int count);

    [LoggerMessage(3015, LogLevel.Warning, "Reading the conversation memory {Key} from Redis failed; this instance's own copy is used, if it has one")]
    public static partial void MemoryReadFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(3016, LogLevel.Warning, "A conversation-memory entry in Redis could not be read; the conversation continues without it")]
    public static partial void MemoryUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(3017, LogLevel.Information, "Hearing the other instances over Redis again after an interruption; checking again what their notices keep current (loaded knowledge bases, semantic-cache indexes, blocked answers)")]
    public static partial void MessagesMissed(ILogger logger);

    [LoggerMessage(3018, LogLevel.Warning, "Checking again after missed notices failed; the next interruption tries again")]
    public static partial void MessagesMissedHandlerFailed(ILogger logger, Exception exception);
}
