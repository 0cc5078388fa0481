using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace WorkflowEngine.Caching;

/// <summary>A wrong-answer report as the cache dashboard lists it.</summary>
/// <param name="Question">The question that got the wrong answer (cleaned, as the gate looked it up).</param>
/// <param name="StoredQuestion">The cached question whose answer it got; the same as <paramref name="Question"/> when the
/// answer was not served from the cache but written by the run (and stored).</param>
/// <param name="Served">The answer came from the cache.</param>
/// <param name="PairBlocked">The gate will never serve <paramref name="StoredQuestion"/>'s answer for <paramref name="Question"/> again.</param>
public sealed record WrongAnswerReport(
    string WorkflowId, string NodeId, string Question, string StoredQuestion, bool Served, bool PairBlocked, DateTimeOffset ReportedAt);

/// <summary>How many wrong answers were reported (on every instance, kept in Redis when configured) and the latest ones, newest first.</summary>
public sealed record WrongAnswerSummary(long Count, IReadOnlyList<WrongAnswerReport> Recent)
{
    public static WrongAnswerSummary None { get; } = new(0, []);
}

/// <summary>
/// Question pairs the response-cache gate must never match again, and the count of wrong-answer reports. A pair is kept per
/// gate (workflow and node, across its settings and knowledge-base versions: an edit does not make a wrong match right) in
/// Redis without expiry (<c>{prefix}feedback:pairs:{workflow}:{node}</c>, a set of pair hashes), so it survives restarts and
/// is shared by every instance; each instance loads a gate's set on its first lookup and hears of new pairs over
/// <see cref="ICacheInvalidation.OnAnswerRejected"/>. Without Redis everything stays in this process. Reports are counted in
/// <c>{prefix}feedback:count</c> and the latest <see cref="RecentCount"/> kept in <c>{prefix}feedback:recent</c>.
/// </summary>
public sealed class AnswerRejections : IDisposable
{
    /// <summary>How many of the latest reports are kept for the dashboard.</summary>
    public const int RecentCount = 10;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly EngineCache _cache;
    private readonly ICacheInvalidation _invalidation;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;
    private readonly ConcurrentDictionary<GateAnswer, WrongAnswerReport> _unsaved = new();
    private readonly ConcurrentDictionary<(string Workflow, string Node), BlockedPairs> _gates = new();
    private readonly object _localReports = new();
    private readonly LinkedList<WrongAnswerReport> _recent = new();
    private long _count;

    public AnswerRejections(EngineCache cache, ICacheInvalidation invalidation, TimeProvider time, ILogger<AnswerRejections>? logger = null)
    {
        _cache = cache;
        _invalidation = invalidation;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _subscription = invalidation.OnAnswerRejected(answer =>
        {
            if (answer.IsPair)
            {
                Gate(answer.WorkflowId, answer.NodeId).Pairs.TryAdd(PairKey(answer.Question, answer.StoredQuestion), 0);
            }
            return Task.CompletedTask;
        });
    }

    /// <summary>The key of a (question, stored question) pair; order matters (the stored question is the one served).</summary>
    public static string PairKey(string question, string storedQuestion) => CanonicalJson.Hash(new[] { question, storedQuestion });

    /// <summary>Records a report: blocks the pair (when <see cref="GateAnswer.IsPair"/>) on every instance and counts it.</summary>
    public async Task<WrongAnswerReport> AddAsync(GateAnswer answer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var report = new WrongAnswerReport(answer.WorkflowId, answer.NodeId, answer.Question, answer.StoredQuestion, answer.Served, answer.IsPair, _time.GetUtcNow());
        if (_cache.Redis.IsConfigured)
        {
            try
            {
                await SaveAsync(answer, report, cancellationToken).ConfigureAwait(false);
            }
            catch (RedisException e)
            {
                // The pair holds on every instance that hears the announcement below; it is saved and announced again once
                // this instance hears the others again (CatchUpAsync), for those that did not.
                Log.CacheTrouble(_logger, answer.WorkflowId, answer.NodeId, "wrong-answer report: " + e.Message);
                _unsaved.TryAdd(answer, report);
                CountLocally(report);
                _invalidation.CatchUpWhenHeard();
            }
        }
        else
        {
            CountLocally(report);
        }
        await _invalidation.AnswerRejectedAsync(answer, cancellationToken).ConfigureAwait(false);
        Log.AnswerReportedWrong(_logger, answer.WorkflowId, answer.NodeId, answer.IsPair);
        return report;
    }

    private async Task SaveAsync(GateAnswer answer, WrongAnswerReport report, CancellationToken cancellationToken)
    {
        var db = (await _cache.Redis.GetAsync().ConfigureAwait(false)).GetDatabase();
        var transaction = db.CreateTransaction();
        if (answer.IsPair)
        {
            _ = transaction.SetAddAsync(PairsKey(answer.WorkflowId, answer.NodeId), PairKey(answer.Question, answer.StoredQuestion));
        }
        _ = transaction.StringIncrementAsync(CountKey);
        _ = transaction.ListLeftPushAsync(RecentKey, JsonSerializer.Serialize(report, Json));
        _ = transaction.ListTrimAsync(RecentKey, 0, RecentCount - 1);
        await transaction.ExecuteAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After this instance could not hear the others (<see cref="ICacheInvalidation.OnMessagesMissed"/>, run by
    /// <see cref="ResponseCache"/> once the matchers have caught up): reads every gate's pairs again on its next lookup (adding to
    /// those held, never dropping one), since another instance's report may have been missed, and saves and announces the
    /// reports Redis did not take.</summary>
    public async Task CatchUpAsync()
    {
        foreach (var gate in _gates.Values)
        {
            gate.Loaded = false;
        }

        foreach (var answer in _unsaved.Keys)
        {
            // Claimed before saving, so a report is saved once even if two catch-ups overlap; given back if it fails.
            if (!_unsaved.TryRemove(answer, out var report))
            {
                continue;
            }
            try
            {
                await SaveAsync(answer, report, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                _unsaved.TryAdd(answer, report);
                Log.CacheTrouble(_logger, answer.WorkflowId, answer.NodeId, "wrong-answer report: " + e.Message);
                continue;
            }
            await _invalidation.AnswerRejectedAsync(answer).ConfigureAwait(false);
        }
    }

    /// <summary>The gate's blocked pairs (<see cref="PairKey"/>), or null when it has none (the usual case: nothing to check).
    /// Loaded from Redis once per gate and instance, kept current by the announcements of new reports.</summary>
    public async ValueTask<BlockedPairs?> PairsForAsync(string workflowId, string nodeId, CancellationToken cancellationToken)
    {
        var gate = Gate(workflowId, nodeId);
        if (!gate.Loaded)
        {
            if (!_cache.Redis.IsConfigured)
            {
                gate.Loaded = true;
            }
            else
            {
                try
                {
                    var db = (await _cache.Redis.GetAsync().ConfigureAwait(false)).GetDatabase();
                    foreach (var member in await db.SetMembersAsync(PairsKey(workflowId, nodeId)).WaitAsync(cancellationToken).ConfigureAwait(false))
                    {
                        gate.Pairs.TryAdd(member.ToString(), 0);
                    }
                    gate.Loaded = true;
                }
                catch (RedisException e)
                {
                    // Tried again on the next lookup; meanwhile the pairs this instance heard of still hold.
                    Log.CacheTrouble(_logger, workflowId, nodeId, "wrong-answer pairs: " + e.Message);
                }
            }
        }
        return gate.Pairs.IsEmpty ? null : gate;
    }

    /// <summary>The number of reports and the latest ones (every instance's when Redis is configured).</summary>
    public async Task<WrongAnswerSummary> SummaryAsync(CancellationToken cancellationToken = default)
    {
        if (_cache.Redis.IsConfigured)
        {
            try
            {
                var db = (await _cache.Redis.GetAsync().ConfigureAwait(false)).GetDatabase();
                var count = await db.StringGetAsync(CountKey).WaitAsync(cancellationToken).ConfigureAwait(false);
                var recent = await db.ListRangeAsync(RecentKey, 0, RecentCount - 1).WaitAsync(cancellationToken).ConfigureAwait(false);
                return new WrongAnswerSummary(count.HasValue ? (long)count : 0,
                    [.. recent.Select(v => JsonSerializer.Deserialize<WrongAnswerReport>(v.ToString(), Json)).OfType<WrongAnswerReport>()]);
            }
            catch (RedisException e)
            {
                Log.CacheTrouble(_logger, "*", "*", "wrong-answer reports: " + e.Message);
            }
        }
        lock (_localReports)
        {
            return new WrongAnswerSummary(_count, [.. _recent]);
        }
    }

    public void Dispose() => _subscription.Dispose();

    private void CountLocally(WrongAnswerReport report)
    {
        lock (_localReports)
        {
            _count++;
            _recent.AddFirst(report);
            if (_recent.Count > RecentCount)
            {
                _recent.RemoveLast();
            }
        }
    }

    private BlockedPairs Gate(string workflowId, string nodeId) => _gates.GetOrAdd((workflowId, nodeId), static _ => new BlockedPairs());

    private string PairsKey(string workflowId, string nodeId) => $"{_cache.Options.KeyPrefix}feedback:pairs:{workflowId}:{nodeId}";

    private string CountKey => _cache.Options.KeyPrefix + "feedback:count";

    private string RecentKey => _cache.Options.KeyPrefix + "feedback:recent";

}

/// <summary>One gate's blocked (question, stored question) pairs.</summary>
public sealed class BlockedPairs
{
    internal ConcurrentDictionary<string, byte> Pairs { get; } = new(StringComparer.Ordinal);

    internal bool Loaded { get; set; }

    /// <summary>Whether the gate must not serve <paramref name="storedQuestion"/>'s answer for <paramref name="question"/>
    /// (the same question is never blocked: its answer is dropped, not the match).</summary>
    public bool Blocks(string question, string storedQuestion) =>
        !Pairs.IsEmpty && !string.Equals(question, storedQuestion, StringComparison.Ordinal) && Pairs.ContainsKey(AnswerRejections.PairKey(question, storedQuestion));
}
