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
}

/// <summary>One way of matching questions to stored answers (match mode <c>exact</c> is built in; the semantic helper adds
/// <c>semantic</c> by registering another <see cref="IAnswerMatcher"/>).</summary>
public interface IAnswerMatcher
{
    /// <summary>The gate's <c>matchMode</c> value this matcher serves.</summary>
    string Mode { get; }

    ValueTask<AnswerMatch?> FindAsync(AnswerScope scope, string question, double threshold, CancellationToken cancellationToken);

    /// <summary>Stores the final answer of a run that missed. <paramref name="missTime"/> is what a later hit saves.</summary>
    ValueTask StoreAsync(AnswerScope scope, string question, string answer, TimeSpan missTime, CancellationToken cancellationToken);

    /// <summary><see cref="FindAsync(AnswerScope, string, double, CancellationToken)"/>, also given the question as the user typed
    /// it (<paramref name="asTyped"/>, null when unknown): the cleaned <paramref name="question"/> is lower-cased, and a matcher
    /// may need the capitals (the semantic matcher tells names such as "Canada" by them).</summary>
    ValueTask<AnswerMatch?> FindAsync(AnswerScope scope, string question, string? asTyped, double threshold, CancellationToken cancellationToken) =>
        FindAsync(scope, question, threshold, cancellationToken);

    /// <summary><see cref="StoreAsync(AnswerScope, string, string, TimeSpan, CancellationToken)"/>, also given the question as typed.</summary>
    ValueTask StoreAsync(AnswerScope scope, string question, string? asTyped, string answer, TimeSpan missTime, CancellationToken cancellationToken) =>
        StoreAsync(scope, question, answer, missTime, cancellationToken);
}

/// <summary>The response-cache gate's storage: finds the matcher for a match mode.</summary>
public sealed class ResponseCache(IEnumerable<IAnswerMatcher> matchers, EngineCache cache)
{
    private readonly IAnswerMatcher _exact = new ExactAnswerMatcher(cache);
    private readonly IReadOnlyList<IAnswerMatcher> _matchers = [.. matchers];

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
}

/// <summary>Exact matching: the (normalized) question text is hashed into the key
/// <c>answer:{workflowId}:{nodeId}:{scopeHash}:{questionHash}</c>, stored in L1/L2 with the gate's TTL.</summary>
public sealed class ExactAnswerMatcher(EngineCache cache) : IAnswerMatcher
{
    public const string ModeName = "exact";

    public string Mode => ModeName;

    public static string Key(AnswerScope scope, string question) =>
        $"answer:{scope.WorkflowId}:{scope.NodeId}:{scope.ScopeHash}:{CanonicalJson.Hash(question)}";

    public async ValueTask<AnswerMatch?> FindAsync(AnswerScope scope, string question, double threshold, CancellationToken cancellationToken)
    {
        var key = Key(scope, question);
        var level = CacheLevel.L1;
        var found = await cache.Fusion.TryGetAsync<CachedAnswer>(key, cache.L1OnlyReadOptions, cancellationToken).ConfigureAwait(false);
        if (!found.HasValue && cache.HasL2)
        {
            level = CacheLevel.L2;
            found = await cache.Fusion.TryGetAsync<CachedAnswer>(key, cache.EntryOptions(scope.Ttl), cancellationToken).ConfigureAwait(false);
        }
        return found.HasValue && found.Value is { } answer && answer.Question == question
            ? new AnswerMatch(answer.Question, answer.Answer, 1, level, TimeSpan.FromMilliseconds(answer.MissMilliseconds))
            : null;
    }

    public ValueTask StoreAsync(AnswerScope scope, string question, string answer, TimeSpan missTime, CancellationToken cancellationToken) =>
        cache.Fusion.SetAsync(Key(scope, question), new CachedAnswer(question, answer, missTime.TotalMilliseconds),
            cache.EntryOptions(scope.Ttl), scope.Tags, cancellationToken);

    /// <summary>What an exact entry holds.</summary>
    public sealed record CachedAnswer(string Question, string Answer, double MissMilliseconds);
}
