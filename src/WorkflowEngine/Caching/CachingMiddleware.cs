using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WorkflowEngine.Execution.Middleware;
using WorkflowEngine.Nodes;
using ZiggyCreatures.Caching.Fusion;

namespace WorkflowEngine.Caching;

/// <summary>Implemented by node types that cache on their own terms (the response-cache gate): the caching middleware
/// lets them run and only asks them how their run used the cache.</summary>
public interface ISelfCachingNode
{
    CacheOutcome DescribeOutcome(NodeResult result, bool cacheEnabled);
}

/// <summary>
/// Serves a node's result from L1 or Redis L2 when its "Cache results" box is ticked, and otherwise runs it once and stores
/// the result with the node's TTL. Concurrent runs needing the same missing entry wait for one execution (FusionCache's
/// per-key lock in-process, its Redis distributed lock across instances). "Not found" results are kept for the short
/// negative TTL; failures and cancelled runs are never stored. A cached streamed answer is replayed as tokens.
/// Redis trouble never fails a run: the node runs, L1 keeps working, and the outcome says <c>error</c>.
/// </summary>
public sealed class CachingMiddleware(EngineCache cache, CacheStatistics statistics, ILogger<CachingMiddleware>? logger = null) : INodeMiddleware
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public int Order => NodeMiddlewareOrder.Caching;

    public async ValueTask<NodeExecution> InvokeAsync(NodeInvocation invocation, NodeDelegate next)
    {
        var settings = invocation.Node.Cache;
        var workflowId = invocation.Run.WorkflowId;
        var nodeId = invocation.Node.Id;

        if (invocation.Implementation is ISelfCachingNode self)
        {
            var own = await next(invocation).ConfigureAwait(false);
            var ownOutcome = self.DescribeOutcome(own.Result, settings.Enabled);
            statistics.Record(workflowId, nodeId, ownOutcome);
            return own with { Cache = ownOutcome };
        }

        if (!settings.Enabled)
        {
            var bypassed = await next(invocation).ConfigureAwait(false);
            statistics.Record(workflowId, nodeId, CacheOutcome.Bypass);
            return bypassed with { Cache = CacheOutcome.Bypass };
        }

        var key = NodeCacheKey.For(invocation).Value;
        var ttl = cache.Options.TtlFor(invocation.Metadata.CacheKind, settings.TtlSeconds);
        var cancellationToken = invocation.CancellationToken;

        // L1 first, on its own: it is the only way to tell an L1 hit from an L2 hit (FusionCache does not say which level
        // served a GetOrSet), and it costs well under a microsecond.
        var l1 = await cache.Fusion.TryGetAsync<CachedNodeResult>(key, cache.L1OnlyReadOptions, cancellationToken).ConfigureAwait(false);
        if (l1.HasValue && l1.Value is { } fromL1)
        {
            return await ServeAsync(invocation, fromL1, CacheLevel.L1, null).ConfigureAwait(false);
        }

        var ran = false;
        NodeExecution? produced = null;
        CachedNodeResult entry;
        try
        {
            entry = await cache.Fusion.GetOrSetAsync<CachedNodeResult>(
                key,
                async (context, ct) =>
                {
                    ran = true;
                    var started = invocation.Run.Time.GetTimestamp();
                    produced = await next(invocation).ConfigureAwait(false);
                    // A run cancelled half-way may have returned a truncated stream: never store it.
                    ct.ThrowIfCancellationRequested();
                    cancellationToken.ThrowIfCancellationRequested();
                    var result = CachedNodeResult.From(produced.Result, invocation.Run.Time.GetElapsedTime(started));
                    if (result.IsNotFound)
                    {
                        cache.ApplyTtl(context.Options, TimeSpan.FromSeconds(cache.Options.NegativeTtlSeconds));
                    }
                    return result;
                },
                cache.EntryOptions(ttl),
                NodeCacheKey.TagsFor(workflowId, invocation.Node),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!ran && e is not OperationCanceledException)
        {
            // The cache itself failed before the node ran (should not happen with fail-safe, but a run must never fail on it).
            Log.CacheTrouble(_logger, workflowId, nodeId, e.Message);
            var direct = await next(invocation).ConfigureAwait(false);
            var error = new CacheOutcome(CacheStatus.Error, Detail: "The cache failed; the node ran without it.");
            statistics.Record(workflowId, nodeId, error);
            return direct with { Cache = error };
        }

        if (ran && produced is not null)
        {
            var outcome = MissOutcome(key);
            statistics.Record(workflowId, nodeId, outcome);
            return produced with { Cache = outcome };
        }
        if (ran)
        {
            // The node failed but fail-safe handed back the last good result.
            return await ServeAsync(invocation, entry, CacheLevel.L1,
                "The node failed; its last good cached result was served (fail-safe).").ConfigureAwait(false);
        }
        // Someone else produced it: a concurrent run in this process (we waited on its lock) or any instance via Redis.
        return await ServeAsync(invocation, entry, entry.ProducedHere ? CacheLevel.L1 : CacheLevel.L2, null).ConfigureAwait(false);
    }

    private CacheOutcome MissOutcome(string key)
    {
        if (cache.TakeUnreadable(key))
        {
            return new CacheOutcome(CacheStatus.Error, Detail: "The cached entry was unreadable; the node ran and the entry was replaced.");
        }
        if (cache.HasL2 && !cache.IsL2Usable)
        {
            return new CacheOutcome(CacheStatus.Error, Detail: "Redis is unreachable: the node ran and its result is cached in this instance only.");
        }
        return CacheOutcome.Miss;
    }

    private async ValueTask<NodeExecution> ServeAsync(NodeInvocation invocation, CachedNodeResult entry, CacheLevel level, string? detail)
    {
        var saved = TimeSpan.FromMilliseconds(entry.MissMilliseconds);
        var outcome = detail is not null
            ? new CacheOutcome(CacheStatus.Error, level, Detail: detail)
            : new CacheOutcome(entry.IsNotFound ? CacheStatus.NegativeHit : CacheStatus.Hit, level, saved);
        statistics.Record(invocation.Run.WorkflowId, invocation.Node.Id, outcome, outcome.Status == CacheStatus.Hit ? entry.TokensSaved : 0);
        if (!string.IsNullOrEmpty(entry.StreamedText))
        {
            await ReplayAsync(invocation.Context, entry.StreamedText, cache.Options.ReplayChunkCharacters).ConfigureAwait(false);
        }
        return new NodeExecution(entry.ToResult(), outcome);
    }

    /// <summary>Replays a cached streamed answer as tokens of about <paramref name="chunkCharacters"/> characters, cut after
    /// whitespace, so the chat shows a hit the same way as a fresh answer.</summary>
    internal static async ValueTask ReplayAsync(NodeContext context, string text, int chunkCharacters)
    {
        var start = 0;
        while (start < text.Length)
        {
            var end = Math.Min(text.Length, start + chunkCharacters);
            while (end < text.Length && !char.IsWhiteSpace(text[end - 1]) && end - start < chunkCharacters * 2)
            {
                end++;
            }
            if (end < text.Length && char.IsHighSurrogate(text[end - 1]))
            {
                end++;
            }
            await context.StreamTokenAsync(text[start..end]).ConfigureAwait(false);
            start = end;
        }
    }
}
