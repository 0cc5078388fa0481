using System.Text.Json.Serialization;
using ZiggyCreatures.Caching.Fusion;

namespace WorkflowEngine.Caching;

/// <summary>Where a gate's answers live: one workflow's gate node under one version of the workflow and its knowledge bases.
/// <see cref="ScopeHash"/> covers every node's settings and the knowledge-base versions, so an edit or a knowledge-base
/// change never serves an old answer. <see cref="Tags"/> let "Clear cache" and knowledge-base invalidation reach the answers.</summary>
public sealed record AnswerScope(string WorkflowId, string NodeId, string ScopeHash, TimeSpan Ttl, IReadOnlyList<string> Tags);

/// <summary>A stored answer that matches a question. <see cref="Similarity"/> is 1 for exact matches.</summary>
public sealed record AnswerMatch(string Question, string Answer, double Similarity, CacheLevel Level, TimeSpan Saved)
{
    /// <summary>Why it matched, for the trace and tooltip (semantic mode: each check and its outcome).</summary>
    public IReadOnlyDictionary<string, string>? Details { get; init; }

    /// <summary>The stored question as the gate looked it up (cleaned), which names the entry; <see cref="Question"/> is as typed.
    /// Null: the same as <see cref="Question"/>.</summary>
    public string? StoredText { get; init; }
}

/// <summary>How sure a gate must be before it serves a stored answer: the similarity floor (semantic mode; 0 = the matcher's
/// default) and the strictness of the calibrated decision (null = <c>Engine:Cache:Semantic:Strictness</c>). The exact matcher
/// needs neither. A bare number converts to a rule with that threshold and the configured strictness.</summary>
public readonly record struct MatchRule(double Threshold, MatchStrictness? Strictness = null)
{
    public static implicit operator MatchRule(double threshold) => new(threshold);
}

/// <summary>One gate's lookup of one question in one scope: what it found (<see cref="Match"/>, null on a miss) and what the
/// matcher worked out about the question (<see cref="Analysis"/>). After a miss the gate hands it back to
/// <see cref="IAnswerMatcher.StoreAsync"/> with the run's answer, so the question is not analysed (embedded, searched) again.</summary>
/// <param name="Question">The question as looked up (cleaned).</param>
/// <param name="AsTyped">The question as the user typed it, when it is the same question (null when unknown); the cleaned text is
/// lower-cased, and a matcher may need the capitals (the semantic matcher tells names such as "Canada" by them).</param>
public sealed record AnswerLookup(AnswerScope Scope, string Question, string? AsTyped)
{
    public AnswerMatch? Match { get; init; }

    /// <summary>The matcher's own analysis of the question (the semantic matcher's embedding and article); null: none yet.</summary>
    public object? Analysis { get; init; }
}

/// <summary>One way of matching questions to stored answers (match mode <c>exact</c> is built in; the semantic helper adds
/// <c>semantic</c> by registering another <see cref="IAnswerMatcher"/>).</summary>
public interface IAnswerMatcher
{
    /// <summary>The gate's <c>matchMode</c> value this matcher serves.</summary>
    string Mode { get; }

    /// <summary>Looks <paramref name="question"/> up among the answers stored in <paramref name="scope"/>.</summary>
    ValueTask<AnswerLookup> FindAsync(AnswerScope scope, string question, string? asTyped, MatchRule rule, CancellationToken cancellationToken);

    /// <summary>Stores the final answer of a run whose <paramref name="lookup"/> missed. <paramref name="missTime"/> is what a
    /// later hit saves. A lookup made here (no <see cref="AnswerLookup.Analysis"/>) is analysed first.</summary>
    ValueTask StoreAsync(AnswerLookup lookup, string answer, TimeSpan missTime, CancellationToken cancellationToken);

    /// <summary>Drops the answer stored for <see cref="GateAnswer.StoredQuestion"/> in the gate's scope, on every instance
    /// (a wrong-answer report). The default keeps nothing to drop.</summary>
    ValueTask ForgetAsync(GateAnswer answer, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>After this instance could not hear the others (<see cref="ICacheInvalidation.OnMessagesMissed"/>): makes the
    /// deletions the shared store did not take, then drops what a missed notice may have left stale. The default keeps
    /// nothing of its own (the exact matcher's entries live in FusionCache, whose backplane recovers by itself).</summary>
    ValueTask CatchUpAsync() => ValueTask.CompletedTask;
}

/// <summary>The response-cache gate's storage: finds the matcher for a match mode, and takes wrong-answer reports.</summary>
public sealed class ResponseCache(IEnumerable<IAnswerMatcher> matchers, EngineCache cache, AnswerRejections rejections,
    ICacheInvalidation? invalidation = null) : IDisposable
{
    private readonly IAnswerMatcher _exact = new ExactAnswerMatcher(cache);
    private readonly IReadOnlyList<IAnswerMatcher> _matchers = [.. matchers];
    private readonly IDisposable? _missed = invalidation?.OnMessagesMissed(() => CatchUpAsync(matchers, rejections));

    public IReadOnlyList<string> Modes => [.. _matchers.Select(m => m.Mode).Append(_exact.Mode).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>The matcher for <paramref name="mode"/> (exact when empty).</summary>
    /// <exception cref="InvalidOperationException">No matcher serves the mode (plain-language message).</exception>
    public IAnswerMatcher For(string? mode)
    {
        if (string.IsNullOrWhiteSpace(mode) || string.Equals(mode, _exact.Mode, StringComparison.OrdinalIgnoreCase))
        {
            return _matchers.FirstOrDefault(m => string.Equals(m.Mode, ExactAnswerMatcher.ModeName, StringComparison.OrdinalIgnoreCase)) ?? _exact;
        }
        return _matchers.FirstOrDefault(m => string.Equals(m.Mode, mode, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"The cache gate's match mode '{mode}' is not available here. Use one of: {string.Join(", ", Modes)}.");
    }

    /// <summary>Someone reported <paramref name="answer"/> wrong: its entry is dropped on every instance and, when it was served
    /// for another question than the one it was stored for, that pair of questions is never matched again by this gate.
    /// The report is counted for the cache dashboard (<see cref="AnswerRejections.SummaryAsync"/>).</summary>
    /// <returns>The report as recorded; <see cref="WrongAnswerReport.PairBlocked"/> says whether a pair was blocked.</returns>
    public async Task<WrongAnswerReport> ReportWrongAsync(GateAnswer answer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);
        // Dropped first: the rejection's announcement makes other instances forget their in-process copies, and they must not
        // load the entry back from Redis after that.
        await For(answer.MatchMode).ForgetAsync(answer, cancellationToken).ConfigureAwait(false);
        return await rejections.AddAsync(answer, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _missed?.Dispose();

    /// <summary>In the order <see cref="ReportWrongAsync"/> keeps: the stores' deletions first, then the reports announced
    /// again, so no instance that hears a report can still load the reported entry back from Redis.</summary>
    private static async Task CatchUpAsync(IEnumerable<IAnswerMatcher> matchers, AnswerRejections rejections)
    {
        foreach (var matcher in matchers)
        {
            await matcher.CatchUpAsync().ConfigureAwait(false);
        }
        await rejections.CatchUpAsync().ConfigureAwait(false);
    }
}

/// <summary>What a run's response-cache gate did with the run's answer: served a stored one (<paramref name="Served"/>), or
/// stored the run's own answer. Read from the gate's trace details with <see cref="Nodes.Types.CacheNode.AnswerOf"/>.</summary>
/// <param name="MatchMode">The matcher that found or stored it (<c>exact</c> or <c>semantic</c>).</param>
/// <param name="ScopeHash">The <see cref="AnswerScope.ScopeHash"/> the entry lives under.</param>
/// <param name="Question">The run's question as the gate looked it up (cleaned; a follow-up's standalone form).</param>
/// <param name="StoredQuestion">The entry's question as looked up when it was stored; <paramref name="Question"/> when the run stored it.</param>
public sealed record GateAnswer(string WorkflowId, string NodeId, string MatchMode, string ScopeHash, string Question, string StoredQuestion, bool Served)
{
    /// <summary>A different question was served this entry: the pair that a report blocks.</summary>
    public bool IsPair => !string.Equals(Question, StoredQuestion, StringComparison.Ordinal);
}

/// <summary>Exact matching: the (normalized) question text is hashed into the key
/// <c>answer:{workflowId}:{nodeId}:{scopeHash}:{questionHash}</c>, stored in L1/L2 with the gate's TTL.</summary>
public sealed class ExactAnswerMatcher(EngineCache cache) : IAnswerMatcher
{
    public const string ModeName = "exact";

    public string Mode => ModeName;

    public static string Key(AnswerScope scope, string question) => Key(scope.WorkflowId, scope.NodeId, scope.ScopeHash, question);

    private static string Key(string workflowId, string nodeId, string scopeHash, string question) =>
        $"answer:{workflowId}:{nodeId}:{scopeHash}:{CanonicalJson.Hash(question)}";

    /// <summary>Removes the entry from L1 and Redis; FusionCache's backplane drops other instances' L1 copies.</summary>
    public ValueTask ForgetAsync(GateAnswer answer, CancellationToken cancellationToken) =>
        cache.Fusion.RemoveAsync(Key(answer.WorkflowId, answer.NodeId, answer.ScopeHash, answer.StoredQuestion), token: cancellationToken);

    public async ValueTask<AnswerLookup> FindAsync(AnswerScope scope, string question, string? asTyped, MatchRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var key = Key(scope, question);
        var level = CacheLevel.L1;
        var found = await cache.Fusion.TryGetAsync<CachedAnswer>(key, cache.L1OnlyReadOptions, cancellationToken).ConfigureAwait(false);
        if (!found.HasValue && cache.HasL2)
        {
            level = CacheLevel.L2;
            found = await cache.Fusion.TryGetAsync<CachedAnswer>(key, cache.EntryOptions(scope.Ttl), cancellationToken).ConfigureAwait(false);
        }
        return new AnswerLookup(scope, question, asTyped)
        {
            Match = found.HasValue && found.Value is { } answer && answer.Question == question
                ? new AnswerMatch(answer.Question, answer.Answer, 1, level, TimeSpan.FromMilliseconds(answer.MissMilliseconds)) { StoredText = answer.Question }
                : null,
        };
    }

    public ValueTask StoreAsync(AnswerLookup lookup, string answer, TimeSpan missTime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        return cache.Fusion.SetAsync(Key(lookup.Scope, lookup.Question), new CachedAnswer(lookup.Question, answer, missTime.TotalMilliseconds),
            cache.EntryOptions(lookup.Scope.Ttl), lookup.Scope.Tags, cancellationToken);
    }

    /// <summary>What an exact entry holds.</summary>
    public sealed record CachedAnswer(string Question, string Answer, double MissMilliseconds);
}
