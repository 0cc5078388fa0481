using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Caching.Semantic;

/// <summary>
/// The cache gate's <c>matchMode: semantic</c>: embeds the (cleaned) question, retrieves its top document from the
/// knowledge base named in the scope's <c>kb:</c> tag, finds the nearest answered questions of the same scope in this
/// instance's <see cref="SemanticIndex"/> and lets <see cref="SemanticMatcher"/> decide. On a local miss it checks the
/// shared store's version (one Redis GET) and pulls entries other instances added, then decides again.
/// A knowledge-base change gives the gate a new <see cref="AnswerScope.ScopeHash"/> (it covers the knowledge-base
/// versions), so old entries are never consulted again; their in-process indexes are dropped on the change event and
/// their Redis keys expire with the gate's TTL.
/// </summary>
public sealed class SemanticAnswerMatcher : IAnswerMatcher, IDisposable
{
    public const string ModeName = "semantic";
    private const int MaxPhrases = 10_000;

    private readonly IEmbeddingGenerator<string, Embedding<float>> _embeddings;
    private readonly IKnowledgeSearch _knowledge;
    private readonly ISemanticEntryStore _store;
    private readonly IRetrievalConfirmation? _confirmation;
    private readonly SemanticMatchOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    // Bounded: an evicted scope only loses its local entries (a later miss reloads them from the shared store, when there is one);
    // a scope's key covers its settings and knowledge-base versions, so no entry can ever answer for another scope.
    private readonly LruCache<string, (SemanticIndex Index, IReadOnlyList<string> Tags)> _indexes;
    private readonly ConcurrentDictionary<string, float[]> _phrases = new(StringComparer.Ordinal);
    private readonly IDisposable? _kbSubscription;
    private readonly IDisposable? _clearSubscription;
    private readonly IDisposable? _rejectedSubscription;
    private readonly ICacheInvalidation? _invalidation;
    // Deletions the shared store did not take (Redis was down): retried when this instance hears the others again, and until
    // then kept out of what is loaded from the store, so a rejected or cleared entry never comes back from there.
    private readonly ConcurrentDictionary<(string Scope, string Id), byte> _unremoved = new();
    private readonly ConcurrentDictionary<string, byte> _uncleared = new(StringComparer.Ordinal);
    private readonly AnswerRejections? _rejections;
    private int _warmedUp;

    public SemanticAnswerMatcher(
        IEmbeddingGenerator<string, Embedding<float>> embeddings,
        IKnowledgeSearch knowledge,
        ISemanticEntryStore store,
        IOptions<SemanticMatchOptions> options,
        TimeProvider time,
        ICacheInvalidation? invalidation = null,
        ILogger<SemanticAnswerMatcher>? logger = null,
        IRetrievalConfirmation? confirmation = null,
        AnswerRejections? rejections = null)
    {
        _embeddings = embeddings;
        _knowledge = knowledge;
        _store = store;
        _options = options.Value;
        _indexes = new(_options.MaxIndexedScopes, StringComparer.Ordinal);
        _confirmation = _options.SecondModel ? confirmation : null;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _kbSubscription = invalidation?.OnKnowledgeBaseChanged(kb =>
        {
            var tag = NodeCacheKey.KnowledgeBaseTag(kb);
            _indexes.RemoveWhere((_, value) => value.Tags.Contains(tag));
            return Task.CompletedTask;
        });
        _clearSubscription = invalidation?.OnWorkflowCleared(ClearAsync);
        _rejections = rejections;
        _rejectedSubscription = invalidation?.OnAnswerRejected(answer =>
        {
            if (string.Equals(answer.MatchMode, ModeName, StringComparison.OrdinalIgnoreCase)
                && _indexes.TryGetValue(ScopeKey(answer.WorkflowId, answer.NodeId, answer.ScopeHash), out var held))
            {
                held.Index.Remove(NodeCacheKeyHash(answer.StoredQuestion));
            }

            return Task.CompletedTask;
        });
        _invalidation = invalidation;
    }

    public string Mode => ModeName;

    /// <summary>The decision of the last lookup per scope is not kept; this explains a lookup without caching anything
    /// (the inspector's "test phrasing" box uses <see cref="SemanticMatcher.CompareAsync"/> through <see cref="QueryAsync"/>).</summary>
    public async ValueTask<MatchDecision> ExplainAsync(AnswerScope scope, string question, MatchRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var (decision, _, _) = await DecideAsync(scope, question, null, rule, cancellationToken).ConfigureAwait(false);
        return decision;
    }

    public async ValueTask<AnswerLookup> FindAsync(AnswerScope scope, string question, string? asTyped, MatchRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var (decision, level, query) = await DecideAsync(scope, question, asTyped, rule, cancellationToken).ConfigureAwait(false);
        var lookup = new AnswerLookup(scope, question, asTyped) { Analysis = query };
        if (!decision.IsHit || decision.Entry is null)
        {
            return lookup;
        }

        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["matchedQuestion"] = decision.Entry.Question,
            ["similarity"] = decision.Similarity.ToString("0.00", CultureInfo.InvariantCulture),
            ["reason"] = decision.Reason,
        };
        foreach (var check in decision.Checks)
        {
            details[$"check.{check.Name}"] = (check.Passed ? "passed: " : "failed: ") + check.Detail;
        }

        return lookup with
        {
            Match = new AnswerMatch(decision.Entry.Question, decision.Entry.Answer, decision.Similarity, level, TimeSpan.FromMilliseconds(decision.Entry.MissMilliseconds))
            {
                Details = details,
                StoredText = decision.Entry.NormalizedText,
            },
        };
    }

    public async ValueTask StoreAsync(AnswerLookup lookup, string answer, TimeSpan missTime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var (scope, question) = (lookup.Scope, lookup.Question);
        // The lookup's analysis when the gate made one (the same question in the same scope): embedding and searching it again
        // would cost as much as the lookup did.
        var query = lookup.Analysis as SemanticQuery ?? await QueryAsync(scope, question, lookup.AsTyped, cancellationToken).ConfigureAwait(false);
        var key = ScopeKey(scope);
        // The entry's second opinion is computed now, off the lookup path (the run has already answered).
        var confirming = query.ConfirmingDocumentSource is { } source ? await source(cancellationToken).ConfigureAwait(false) : null;
        var entry = new SemanticEntry(NodeCacheKeyHash(question), query.Question, query.NormalizedText, query.Embedding, query.TopDocument, answer,
            _time.GetUtcNow(), missTime.TotalMilliseconds, confirming)
        {
            RetrievalScore = query.RetrievalScore,
            RetrievalMargin = query.TopDocument is null ? 0 : query.RetrievalMargin,
            RetrievalProfile = query.RetrievalProfile,
        };
        IndexFor(scope, key).Add(entry, _time.GetUtcNow() + scope.Ttl);
        if (_store.IsShared)
        {
            try
            {
                await _store.AddAsync(key, entry, scope.Ttl, cancellationToken).ConfigureAwait(false);
            }
            catch (RedisException e)
            {
                // Redis down: the entry serves this instance only.
                Log.CacheTrouble(_logger, scope.WorkflowId, scope.NodeId, "semantic store: " + e.Message);
            }
        }
    }

    /// <summary>A wrong-answer report: deletes the entry from Redis; every instance's index drops it on the announcement that
    /// follows (<see cref="ICacheInvalidation.OnAnswerRejected"/>, this instance's included).</summary>
    public async ValueTask ForgetAsync(GateAnswer answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var key = ScopeKey(answer.WorkflowId, answer.NodeId, answer.ScopeHash);
        var id = NodeCacheKeyHash(answer.StoredQuestion);
        if (_indexes.TryGetValue(key, out var held))
        {
            held.Index.Remove(id);
        }

        if (_store.IsShared)
        {
            try
            {
                await _store.RemoveAsync(key, id, cancellationToken).ConfigureAwait(false);
            }
            catch (RedisException e)
            {
                _unremoved.TryAdd((key, id), 0);
                _invalidation?.CatchUpWhenHeard();
                Log.CacheTrouble(_logger, answer.WorkflowId, answer.NodeId, "semantic store remove: " + e.Message);
            }
        }
    }

    /// <summary>Embeds a question and finds its top document as the gate would (for the inspector's "test phrasing" box).</summary>
    public ValueTask<SemanticQuery> QueryAsync(AnswerScope scope, string question, CancellationToken cancellationToken) =>
        QueryAsync(scope, question, null, cancellationToken);

    /// <summary><see cref="QueryAsync(AnswerScope, string, CancellationToken)"/> with the question as the user typed it: the
    /// cleaned <paramref name="question"/> is embedded and searched, and the question's features (negation, numbers, names by their
    /// capitals) are read from <paramref name="asTyped"/> when given.</summary>
    public async ValueTask<SemanticQuery> QueryAsync(AnswerScope scope, string question, string? asTyped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var text = question ?? string.Empty;
        var typed = string.IsNullOrWhiteSpace(asTyped) ? text : asTyped;
        var embedding = await EmbedAsync(text, cancellationToken).ConfigureAwait(false);
        foreach (var kb in KnowledgeBases(scope))
        {
            // The first knowledge base of the workflow decides; see SemanticRetrieval for how the document is chosen.
            var hits = await _knowledge.SearchAsync(kb, text, embedding, SemanticRetrieval.SearchOptions, cancellationToken).ConfigureAwait(false);
            var (chunk, margin) = SemanticRetrieval.TopDocument(hits, _options.RetrievalMinScore, _options.RetrievalByVector, _options.RetrievalMinVectorScore);
            return chunk is null
                ? new SemanticQuery(typed, text, embedding, null) { RetrievalMargin = 0 }
                : new SemanticQuery(typed, text, embedding, $"{kb}/{chunk.DocumentName}")
                {
                    ConfirmingDocumentSource = _confirmation is null ? null : ct => ConfirmAsync(kb, text, hits, ct),
                    RetrievalMargin = margin,
                    RetrievalScore = SemanticRetrieval.BestVectorScore(hits),
                    RetrievalProfile = SemanticRetrieval.Profile(hits),
                    KnowledgeTerms = SemanticRetrieval.Terms(hits),
                    ArticleTerms = SemanticRetrieval.ArticleTerms(hits, chunk.DocumentId),
                    TermDocumentCounts = SemanticRetrieval.TermDocumentCounts(hits),
                    ContenderTerms = SemanticRetrieval.ContenderTerms(hits, chunk.DocumentId, _options.CoverageContenderGap),
                };
        }

        return new SemanticQuery(typed, text, embedding, null);
    }

    /// <summary>The inspector's "test phrasing" box: would a gate with <paramref name="rule"/>, in a workflow searching
    /// <paramref name="knowledgeBaseIds"/> (the first decides the article check), serve <paramref name="asked"/> the answer
    /// cached for <paramref name="cached"/>? Pass the questions as the gate sees them (cleaned). Caches nothing.</summary>
    public ValueTask<MatchDecision> CompareAsync(IReadOnlyList<string> knowledgeBaseIds, string cached, string asked, MatchRule rule, CancellationToken cancellationToken) =>
        CompareAsync(knowledgeBaseIds, cached, null, asked, null, rule, cancellationToken);

    /// <summary><see cref="CompareAsync(IReadOnlyList{string}, string, string, MatchRule, CancellationToken)"/> with each question also as
    /// typed (null when unknown), as the gate passes it (see <see cref="QueryAsync(AnswerScope, string, string?, CancellationToken)"/>).</summary>
    public async ValueTask<MatchDecision> CompareAsync(IReadOnlyList<string> knowledgeBaseIds, string cached, string? cachedAsTyped, string asked, string? askedAsTyped,
        MatchRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(knowledgeBaseIds);
        var scope = new AnswerScope("compare", "compare", string.Empty, TimeSpan.Zero, [.. knowledgeBaseIds.Select(NodeCacheKey.KnowledgeBaseTag)]);
        var cachedQuery = await QueryAsync(scope, cached, cachedAsTyped, cancellationToken).ConfigureAwait(false);
        var askedQuery = await QueryAsync(scope, asked, askedAsTyped, cancellationToken).ConfigureAwait(false);
        return await new SemanticMatcher(OptionsFor(scope, rule), PhraseAsync).CompareAsync(askedQuery, cachedQuery, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _kbSubscription?.Dispose();
        _clearSubscription?.Dispose();
        _rejectedSubscription?.Dispose();
    }

    /// <summary>The "Clear cache" button (<see cref="ICacheInvalidation.ClearWorkflowAsync"/>, on any instance): drops this
    /// instance's indexes of the workflow (or node) and deletes their entries from Redis.</summary>
    private async Task ClearAsync(string workflowId, string? nodeId)
    {
        var prefix = nodeId is null ? $"{workflowId}:" : $"{workflowId}:{nodeId}:";
        _indexes.RemoveWhere((key, _) => key.StartsWith(prefix, StringComparison.Ordinal));

        if (_store.IsShared)
        {
            try
            {
                await _store.ClearAsync(prefix, CancellationToken.None).ConfigureAwait(false);
            }
            catch (RedisException e)
            {
                _uncleared.TryAdd(prefix, 0);
                _invalidation?.CatchUpWhenHeard();
                Log.CacheTrouble(_logger, workflowId, nodeId ?? "*", "semantic store clear: " + e.Message);
            }
        }
    }

    /// <summary>A clear or wrong-answer report may have been missed: every index is dropped and loaded again from the shared
    /// store on its next local miss; the deletions the store did not take are made, and until they are, what they delete is
    /// never loaded back.</summary>
    public async ValueTask CatchUpAsync()
    {
        if (!_store.IsShared)
        {
            return;
        }

        _indexes.Clear();
        foreach (var prefix in _uncleared.Keys)
        {
            try
            {
                await _store.ClearAsync(prefix, CancellationToken.None).ConfigureAwait(false);
                _uncleared.TryRemove(prefix, out _);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Log.CacheTrouble(_logger, prefix, "*", "semantic store clear: " + e.Message);
            }
        }

        foreach (var (scope, id) in _unremoved.Keys)
        {
            try
            {
                await _store.RemoveAsync(scope, id, CancellationToken.None).ConfigureAwait(false);
                _unremoved.TryRemove((scope, id), out _);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Log.CacheTrouble(_logger, scope, "*", "semantic store remove: " + e.Message);
            }
        }
    }

    /// <summary>Whether the scope's entries in the shared store are due to be cleared (an earlier clear did not reach it).</summary>
    private bool AwaitsClear(string key)
    {
        foreach (var prefix in _uncleared.Keys)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private SemanticMatchOptions OptionsFor(AnswerScope scope, MatchRule rule)
    {
        var options = _options.With(rule.Threshold > 0 ? rule.Threshold : null, rule.Strictness);
        if (!KnowledgeBases(scope).Any())
        {
            // No knowledge base in the workflow: nothing to agree on; the other checks still apply.
            options.RequireRetrievalAgreement = false;
        }

        return options;
    }

    private async ValueTask<(MatchDecision Decision, CacheLevel Level, SemanticQuery Query)> DecideAsync(AnswerScope scope, string question, string? asTyped, MatchRule rule, CancellationToken cancellationToken)
    {
        if (_confirmation is not null && Interlocked.Exchange(ref _warmedUp, 1) == 0)
        {
            // Load the second model while the first miss is being answered, not when its answer is stored.
            _ = _confirmation.WarmUpAsync().ContinueWith(
                t => Log.CacheTrouble(_logger, scope.WorkflowId, scope.NodeId, "second embedding model: " + t.Exception?.GetBaseException().Message),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        var key = ScopeKey(scope);
        var index = IndexFor(scope, key);
        var options = OptionsFor(scope, rule);
        var matcher = new SemanticMatcher(options, PhraseAsync);
        var query = await QueryAsync(scope, question, asTyped, cancellationToken).ConfigureAwait(false);
        var blocked = _rejections is null ? null : await _rejections.PairsForAsync(scope.WorkflowId, scope.NodeId, cancellationToken).ConfigureAwait(false);
        var decision = await matcher.DecideAsync(query, Candidates(index, query, options.MaxCandidates, blocked), cancellationToken).ConfigureAwait(false);
        if (decision.IsHit || !_store.IsShared || (!_uncleared.IsEmpty && AwaitsClear(key)))
        {
            return (decision, CacheLevel.L1, query);
        }

        try
        {
            var version = await _store.GetVersionAsync(key, cancellationToken).ConfigureAwait(false);
            if (version == index.SyncedVersion)
            {
                return (decision, CacheLevel.L1, query);
            }

            var added = await _store.LoadAsync(key, _unremoved.IsEmpty ? index.Contains : id => index.Contains(id) || _unremoved.ContainsKey((key, id)),
                cancellationToken).ConfigureAwait(false);
            index.AddRange(added);
            index.SyncedVersion = version;
            if (added.Count == 0)
            {
                return (decision, CacheLevel.L1, query);
            }

            return (await matcher.DecideAsync(query, Candidates(index, query, options.MaxCandidates, blocked), cancellationToken).ConfigureAwait(false), CacheLevel.L2, query);
        }
        catch (RedisException e)
        {
            Log.CacheTrouble(_logger, scope.WorkflowId, scope.NodeId, "semantic store: " + e.Message);
            return (decision, CacheLevel.L1, query);
        }
    }

    /// <summary>The nearest <paramref name="count"/> entries, leaving out those whose pair with the question was reported wrong
    /// (<see cref="AnswerRejections"/>): the matcher decides on the rest as if those entries were not cached.</summary>
    private static IReadOnlyList<SemanticCandidate> Candidates(SemanticIndex index, SemanticQuery query, int count, BlockedPairs? blocked)
    {
        var found = index.Search(query, count);
        if (blocked is null || !found.Any(c => blocked.Blocks(query.NormalizedText, c.Entry.NormalizedText)))
        {
            return found;
        }

        var removed = found.Count(c => blocked.Blocks(query.NormalizedText, c.Entry.NormalizedText));
        return [.. index.Search(query, count + removed).Where(c => !blocked.Blocks(query.NormalizedText, c.Entry.NormalizedText)).Take(count)];
    }

    private async ValueTask<string?> ConfirmAsync(string knowledgeBaseId, string question, IReadOnlyList<ScoredChunk> hits, CancellationToken cancellationToken)
    {
        try
        {
            var chunk = await _confirmation!.TopChunkAsync(question, hits, cancellationToken).ConfigureAwait(false);
            return chunk is null ? null : $"{knowledgeBaseId}/{chunk.DocumentName}";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Without the second opinion the matcher simply applies its checks in full.
            Log.CacheTrouble(_logger, "semantic", "confirmation", "second embedding model: " + e.Message);
            return null;
        }
    }

    /// <summary>How many scopes have an index in memory now (for tests of the bound).</summary>
    internal int IndexedScopeCount => _indexes.Count;

    private SemanticIndex IndexFor(AnswerScope scope, string key) =>
        _indexes.GetOrAdd(key, _ => (new SemanticIndex(_time), scope.Tags)).Index;

    private async ValueTask<float[]> EmbedAsync(string text, CancellationToken cancellationToken)
    {
        var result = await _embeddings.GenerateAsync([text], cancellationToken: cancellationToken).ConfigureAwait(false);
        return result[0].Vector.ToArray();
    }

    private async ValueTask<float[]> PhraseAsync(string words, CancellationToken cancellationToken)
    {
        if (_phrases.TryGetValue(words, out var cached))
        {
            return cached;
        }

        var vector = await EmbedAsync(words, cancellationToken).ConfigureAwait(false);
        if (_phrases.Count >= MaxPhrases)
        {
            _phrases.Clear(); // a bot's vocabulary is small; this only bounds memory against unbounded input
        }

        _phrases[words] = vector;
        return vector;
    }

    private static IEnumerable<string> KnowledgeBases(AnswerScope scope) =>
        scope.Tags.Where(t => t.StartsWith("kb:", StringComparison.Ordinal)).Select(t => t["kb:".Length..]);

    private static string ScopeKey(AnswerScope scope) => ScopeKey(scope.WorkflowId, scope.NodeId, scope.ScopeHash);

    private static string ScopeKey(string workflowId, string nodeId, string scopeHash) => $"{workflowId}:{nodeId}:{scopeHash}";

    private static string NodeCacheKeyHash(string question) => CanonicalJson.Hash(question);
}
