using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace WorkflowEngine.Caching;

/// <summary>Cache figures of one node (or, summed, a workflow).</summary>
public sealed record NodeCacheStats(
    string WorkflowId,
    string NodeId,
    long Hits,
    long Misses,
    long NegativeHits,
    long Errors,
    long Bypasses,
    TimeSpan TimeSaved,
    long TokensSaved)
{
    /// <summary>(hits + negative hits) / lookups; 0 when there were none.</summary>
    public double HitRatio
    {
        get
        {
            var lookups = Hits + NegativeHits + Misses + Errors;
            return lookups == 0 ? 0 : (double)(Hits + NegativeHits) / lookups;
        }
    }
}

/// <summary>
/// Per workflow and node: hits, misses, negative hits, errors, hit ratio, time and LLM tokens saved. Exported through the
/// <c>WorkflowEngine.Cache</c> meter (OpenTelemetry-ready: <c>workflow.cache.lookups</c> tagged with outcome, level,
/// workflow and node; <c>workflow.cache.time_saved</c>; <c>workflow.cache.tokens_saved</c>) and queryable here for the studio.
/// Counts are per process since start.
/// </summary>
public sealed class CacheStatistics : IDisposable
{
    public const string MeterName = "WorkflowEngine.Cache";

    private readonly ConcurrentDictionary<(string Workflow, string Node), Counters> _counters = new();
    private readonly Meter _meter;
    private readonly Counter<long> _lookups;
    private readonly Counter<double> _timeSaved;
    private readonly Counter<long> _tokensSaved;

    public CacheStatistics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _lookups = _meter.CreateCounter<long>("workflow.cache.lookups", "{lookup}", "Node cache lookups by outcome (hit, miss, negative-hit, error, bypass)");
        _timeSaved = _meter.CreateCounter<double>("workflow.cache.time_saved", "ms", "Node run time saved by cache hits");
        _tokensSaved = _meter.CreateCounter<long>("workflow.cache.tokens_saved", "{token}", "LLM tokens not spent thanks to cache hits");
    }

    public void Record(string workflowId, string nodeId, CacheOutcome outcome, long tokensSaved = 0)
    {
        var counters = _counters.GetOrAdd((workflowId, nodeId), static _ => new Counters());
        switch (outcome.Status)
        {
            case CacheStatus.Hit:
                Interlocked.Increment(ref counters.Hits);
                break;
            case CacheStatus.NegativeHit:
                Interlocked.Increment(ref counters.NegativeHits);
                break;
            case CacheStatus.Miss:
                Interlocked.Increment(ref counters.Misses);
                break;
            case CacheStatus.Error:
                Interlocked.Increment(ref counters.Errors);
                break;
            default:
                Interlocked.Increment(ref counters.Bypasses);
                break;
        }
        var tags = new TagList
        {
            { "workflow", workflowId },
            { "node", nodeId },
            { "outcome", outcome.StatusText },
        };
        if (outcome.Level is { } level)
        {
            tags.Add("level", level == CacheLevel.L1 ? "l1" : "l2");
        }
        _lookups.Add(1, tags);
        if (outcome.Saved is { } saved && outcome.Status is CacheStatus.Hit or CacheStatus.NegativeHit)
        {
            Interlocked.Add(ref counters.SavedTicks, saved.Ticks);
            _timeSaved.Add(saved.TotalMilliseconds, tags);
        }
        if (tokensSaved > 0)
        {
            Interlocked.Add(ref counters.TokensSaved, tokensSaved);
            _tokensSaved.Add(tokensSaved, tags);
        }
    }

    /// <summary>One row per node of the workflow that used the cache, ordered by node id.</summary>
    public IReadOnlyList<NodeCacheStats> ForWorkflow(string workflowId) =>
        _counters.Where(p => p.Key.Workflow == workflowId)
            .OrderBy(p => p.Key.Node, StringComparer.Ordinal)
            .Select(p => p.Value.Snapshot(p.Key.Workflow, p.Key.Node))
            .ToList();

    public NodeCacheStats ForNode(string workflowId, string nodeId) =>
        _counters.TryGetValue((workflowId, nodeId), out var c) ? c.Snapshot(workflowId, nodeId) : new Counters().Snapshot(workflowId, nodeId);

    /// <summary>The workflow's totals (node id "*").</summary>
    public NodeCacheStats TotalFor(string workflowId)
    {
        var rows = ForWorkflow(workflowId);
        return new NodeCacheStats(workflowId, "*",
            rows.Sum(r => r.Hits), rows.Sum(r => r.Misses), rows.Sum(r => r.NegativeHits), rows.Sum(r => r.Errors), rows.Sum(r => r.Bypasses),
            TimeSpan.FromTicks(rows.Sum(r => r.TimeSaved.Ticks)), rows.Sum(r => r.TokensSaved));
    }

    public IReadOnlyList<string> Workflows => _counters.Keys.Select(k => k.Workflow).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Forgets a workflow's figures (e.g. with "Clear cache").</summary>
    public void Reset(string workflowId)
    {
        foreach (var key in _counters.Keys.Where(k => k.Workflow == workflowId))
        {
            _counters.TryRemove(key, out _);
        }
    }

    public void Dispose() => _meter.Dispose();

    private sealed class Counters
    {
        public long Hits;
        public long Misses;
        public long NegativeHits;
        public long Errors;
        public long Bypasses;
        public long SavedTicks;
        public long TokensSaved;

        public NodeCacheStats Snapshot(string workflowId, string nodeId) => new(
            workflowId, nodeId,
            Interlocked.Read(ref Hits), Interlocked.Read(ref Misses), Interlocked.Read(ref NegativeHits), Interlocked.Read(ref Errors),
            Interlocked.Read(ref Bypasses), TimeSpan.FromTicks(Interlocked.Read(ref SavedTicks)), Interlocked.Read(ref TokensSaved));
    }
}
