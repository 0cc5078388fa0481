using System.Diagnostics;
using System.Globalization;
using System.Text;
using WorkflowEngine.Caching.Semantic;

namespace WorkflowTesting.CacheEval;

/// <summary>
/// Replays a dataset through the sample bot's caching path: clean → semantic lookup → on a miss, retrieve and a fake
/// counting LLM whose answer names the question's intent ("answer for refunds") → store. A hit is correct when the served
/// answer names the asked question's intent; any hit on an out-of-scope question is wrong.
/// Runs our <see cref="SemanticMatcher"/> and, on the same data, plain cosine-threshold baselines.
/// </summary>
public sealed class CacheEvaluation(MiniLmEmbedder embedder, EvalKnowledgeBase knowledgeBase, IRetrievalConfirmation? confirmation = null)
{
    private readonly Dictionary<string, float[]> _embeddings = new(StringComparer.Ordinal);

    /// <summary>Reuse a question's embedding across replays (many baseline thresholds over one set). The replay's lookup
    /// latency then no longer includes embedding, so leave it off when latency is reported.</summary>
    public bool MemoizeEmbeddings { get; init; }

    /// <summary>Replays <paramref name="questions"/> with our matcher.</summary>
    /// <param name="warm">Answers stored before the replay (as a warmed cache holds them); not counted in the result.</param>
    /// <param name="modelFor">The hit model per asked question (a cross-validated replay: each question decided by a model fitted
    /// without it); null = <see cref="HitModel.Default"/>.</param>
    public EvalResult RunMatcher(IReadOnlyList<EvalQuestion> questions, SemanticMatchOptions options, string? name = null, bool withConfirmation = true,
        IReadOnlyList<EvalQuestion>? warm = null, Func<EvalQuestion, HitModel>? modelFor = null)
    {
        var matchers = new Dictionary<HitModel, SemanticMatcher>(ReferenceEqualityComparer.Instance);
        var matcher = new SemanticMatcher(options, Phrase);
        return Replay(name ?? "semantic matcher", questions, warm, options, withConfirmation ? confirmation : null, (question, query, index) =>
        {
            var candidates = index.Search(query, options.MaxCandidates);
            var m = matcher;
            if (modelFor?.Invoke(question) is { } model && !matchers.TryGetValue(model, out m))
            {
                m = new SemanticMatcher(options, Phrase, model);
                matchers[model] = m;
            }

            return m.DecideAsync(query, candidates).AsTask().GetAwaiter().GetResult();
        });
    }

    /// <summary>Pairs for fitting <see cref="HitModel"/>: every question of <paramref name="questions"/> against its nearest
    /// <see cref="SemanticMatchOptions.MaxCandidates"/> cached questions, with the cache holding <paramref name="warm"/> and every
    /// other question of the list (as after a replay that missed them all). Only pairs that pass every check (the similarity floor
    /// included): the model decides among those. Label: the cached answer is the asked question's article's.</summary>
    public IReadOnlyList<TrainingPair> TrainingPairs(IReadOnlyList<EvalQuestion> questions, IReadOnlyList<EvalQuestion> warm, SemanticMatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(questions);
        ArgumentNullException.ThrowIfNull(options);
        var index = new SemanticIndex();
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        var queries = new List<(EvalQuestion Question, SemanticQuery Query, string Id)>();
        foreach (var (question, asked) in (warm ?? []).Select(q => (q, false)).Concat(questions.Select(q => (q, true))))
        {
            var cleaned = EvalText.Clean(question.Text);
            var embedding = Embed(cleaned);
            var query = knowledgeBase.Query(question.Text, cleaned, embedding, options, confirmation);
            var id = Store(index, question, cleaned, embedding, query, expires);
            if (asked)
            {
                queries.Add((question, query, id));
            }
        }

        var matcher = new SemanticMatcher(options, Phrase);
        var pairs = new List<TrainingPair>();
        foreach (var (question, query, id) in queries)
        {
            var candidates = index.Search(query, options.MaxCandidates + 1)
                .Where(c => c.Entry.Id != id && !string.Equals(c.Entry.NormalizedText, query.NormalizedText, StringComparison.Ordinal))
                .Take(options.MaxCandidates).ToList();
            var decisions = matcher.DecideEachAsync(query, candidates).AsTask().GetAwaiter().GetResult();
            for (var i = 0; i < decisions.Count; i++)
            {
                if (decisions[i].RulesHold)
                {
                    var served = IntentOf(candidates[i].Entry.Answer);
                    pairs.Add(new TrainingPair(question, i, candidates[i].Entry.Question, [.. decisions[i].Features!], question.Intent is not null && served == question.Intent));
                }
            }
        }

        return pairs;
    }

    /// <summary>Replays <paramref name="questions"/> with a plain cosine threshold on the nearest cached question (GPTCache/RedisVL style).</summary>
    public EvalResult RunBaseline(IReadOnlyList<EvalQuestion> questions, double threshold, IReadOnlyList<EvalQuestion>? warm = null) =>
        Replay(string.Create(CultureInfo.InvariantCulture, $"cosine ≥ {threshold:0.00}"), questions, warm, options: null, confirm: null, (_, query, index) =>
        {
            var best = index.Search(query, 1).FirstOrDefault();
            return best is not null && best.Similarity >= threshold
                ? new MatchDecision(true, best.Entry, best.Similarity, [], "threshold")
                : new MatchDecision(false, best?.Entry, best?.Similarity ?? 0, [], "threshold");
        });

    /// <summary>Lookup latency with <paramref name="cachedCount"/> entries in the index (embedding + retrieval + search + decision).
    /// The bulk entries are the replayed questions' embeddings plus small random perturbations (distinct vectors, realistic
    /// neighbourhoods); search cost does not depend on their text.</summary>
    /// <param name="eagerConfirmation">Ask the second model on every lookup (its worst case) instead of only when it could change the decision.</param>
    public LatencyResult RunLookupBenchmark(IReadOnlyList<EvalQuestion> questions, SemanticMatchOptions options, int cachedCount, int lookups = 300, int seed = 7, bool eagerConfirmation = false)
    {
        var matcher = new SemanticMatcher(options, Phrase);
        var index = new SemanticIndex();
        var random = new Random(seed);
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        var bases = questions.Select(q => Embedding(q.Text)).ToArray();
        var bulk = new List<(SemanticEntry, DateTimeOffset)>(cachedCount);
        for (var i = 0; i < cachedCount; i++)
        {
            var source = bases[i % bases.Length];
            var v = new float[source.Length];
            for (var d = 0; d < v.Length; d++)
            {
                v[d] = source[d] + (float)((random.NextDouble() - 0.5) * 0.08);
            }

            var text = $"cached question {i.ToString(CultureInfo.InvariantCulture)} {questions[i % questions.Count].Text}";
            // Confirmed by the second model, so that lookups reach the second opinion whenever a margin or coverage check fails.
            bulk.Add((new SemanticEntry($"e{i}", text, EvalText.Clean(text), SemanticIndex.Normalize(v), questions[i % questions.Count].Intent,
                $"answer {i}", DateTimeOffset.UtcNow, ConfirmingDocument: questions[i % questions.Count].Intent), expires));
        }

        index.AddRange(bulk);
        var timings = new List<double>(lookups);
        var searchOnly = new List<double>(lookups);
        var indexOnly = new List<double>(lookups);
        for (var i = 0; i < lookups; i++)
        {
            // Vary the text so the embedding is really computed on every lookup.
            var text = questions[i % questions.Count].Text + (i / questions.Count > 0 ? $" {i / questions.Count}" : string.Empty);
            var started = Stopwatch.GetTimestamp();
            var cleaned = EvalText.Clean(text);
            var embedding = embedder.Embed(cleaned);
            var query = knowledgeBase.Query(text, cleaned, embedding, options, confirmation);
            if (eagerConfirmation)
            {
                _ = query.IsRetrievalConfirmedAsync().AsTask().GetAwaiter().GetResult();
            }

            var searchStarted = Stopwatch.GetTimestamp();
            var candidates = index.Search(query, options.MaxCandidates);
            indexOnly.Add(Stopwatch.GetElapsedTime(searchStarted).TotalMilliseconds);
            _ = matcher.DecideAsync(query, candidates).AsTask().GetAwaiter().GetResult();
            var ended = Stopwatch.GetTimestamp();
            timings.Add(Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds);
            searchOnly.Add(Stopwatch.GetElapsedTime(searchStarted, ended).TotalMilliseconds);
        }

        return new LatencyResult(index.Count, lookups, Percentile(timings, 50), Percentile(timings, 95), Percentile(searchOnly, 50), Percentile(searchOnly, 95),
            Percentile(indexOnly, 50), Percentile(indexOnly, 95));
    }

    private EvalResult Replay(string name, IReadOnlyList<EvalQuestion> questions, IReadOnlyList<EvalQuestion>? warm, SemanticMatchOptions? options,
        IRetrievalConfirmation? confirm, Func<EvalQuestion, SemanticQuery, SemanticIndex, MatchDecision> lookup)
    {
        var index = new SemanticIndex();
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        foreach (var question in warm ?? [])
        {
            var cleaned = EvalText.Clean(question.Text);
            var embedding = Embed(cleaned);
            var query = knowledgeBase.Query(question.Text, cleaned, embedding, options ?? new SemanticMatchOptions(), confirm);
            Store(index, question, cleaned, embedding, query, expires);
        }

        var llmCalls = 0;
        var secondOpinions = 0;
        var outcomes = new List<EvalOutcome>(questions.Count);
        var latencies = new List<double>(questions.Count);
        foreach (var question in questions)
        {
            var started = Stopwatch.GetTimestamp();
            var cleaned = EvalText.Clean(question.Text);
            var embedding = Embed(cleaned);
            // The baselines (options null) look up without retrieval, as GPTCache/RedisVL do.
            var query = options is null ? new SemanticQuery(question.Text, cleaned, embedding, null) : knowledgeBase.Query(question.Text, cleaned, embedding, options, confirm);
            var decision = lookup(question, query, index);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (query.ConfirmationRequested)
            {
                secondOpinions++;
            }

            if (decision.IsHit)
            {
                var servedIntent = IntentOf(decision.Entry!.Answer);
                var correct = question.Intent is not null && servedIntent == question.Intent;
                outcomes.Add(new EvalOutcome(question, true, correct, decision));
                continue;
            }

            // Miss: the bot retrieves (for the baselines too, so entries carry their top document) and calls the LLM.
            llmCalls++;
            var stored = options is null ? knowledgeBase.Query(question.Text, cleaned, embedding, new SemanticMatchOptions(), null) : query;
            Store(index, question, cleaned, embedding, stored, expires);
            outcomes.Add(new EvalOutcome(question, false, false, decision));
        }

        return new EvalResult(name, outcomes, llmCalls, Percentile(latencies, 50), Percentile(latencies, 95)) { SecondOpinions = secondOpinions };
    }

    private static string Store(SemanticIndex index, EvalQuestion question, string cleaned, float[] embedding, SemanticQuery stored, DateTimeOffset expires)
    {
        // As the product's store: the entry's second opinion is computed when it is stored.
        var confirming = stored.ConfirmingDocumentSource is { } source ? source(CancellationToken.None).AsTask().GetAwaiter().GetResult() : null;
        var id = Guid.NewGuid().ToString("N");
        index.Add(new SemanticEntry(id, question.Text, cleaned, embedding, stored.TopDocument, AnswerFor(question), DateTimeOffset.UtcNow,
            ConfirmingDocument: confirming)
        {
            RetrievalScore = stored.RetrievalScore,
            RetrievalMargin = stored.TopDocument is null ? 0 : stored.RetrievalMargin,
            RetrievalProfile = stored.RetrievalProfile,
        }, expires);
        return id;
    }

    private float[] Embed(string cleaned) => MemoizeEmbeddings ? Embedding(cleaned) : embedder.Embed(cleaned);

    private readonly Dictionary<string, float[]> _phrases = new(StringComparer.Ordinal);

    /// <summary>Phrase embeddings for the matcher's substitution check, memoised as the product's cache service does.</summary>
    public float[] Phrase(string words)
    {
        if (!_phrases.TryGetValue(words, out var v))
        {
            v = embedder.Embed(words);
            _phrases[words] = v;
        }

        return v;
    }

    // Memoised for building the bulk index of the lookup benchmark, and for replays when MemoizeEmbeddings is set.
    private float[] Embedding(string cleaned)
    {
        if (!_embeddings.TryGetValue(cleaned, out var v))
        {
            v = embedder.Embed(cleaned);
            _embeddings[cleaned] = v;
        }

        return v;
    }

    private static string AnswerFor(EvalQuestion question) =>
        question.Intent is null ? $"answer for out-of-scope: {question.Text}" : $"answer for {question.Intent}";

    private static string? IntentOf(string answer) =>
        answer.StartsWith("answer for out-of-scope", StringComparison.Ordinal) ? null
        : answer.StartsWith("answer for ", StringComparison.Ordinal) ? answer["answer for ".Length..] : null;

    internal static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}

/// <summary>One (asked question, cached question) pair for fitting <see cref="HitModel"/>; <paramref name="Rank"/> 0 is the nearest.</summary>
public sealed record TrainingPair(EvalQuestion Question, int Rank, string CachedQuestion, double[] Features, bool Label);

public sealed record EvalOutcome(EvalQuestion Question, bool Hit, bool Correct, MatchDecision Decision);

/// <param name="SearchP50Ms">Index search plus the matcher's decision (which may embed swapped words once).</param>
/// <param name="IndexP50Ms">The brute-force index search alone.</param>
public sealed record LatencyResult(int CachedEntries, int Lookups, double P50Ms, double P95Ms, double SearchP50Ms, double SearchP95Ms, double IndexP50Ms, double IndexP95Ms);

/// <summary>What one replay measured.</summary>
public sealed record EvalResult(string Name, IReadOnlyList<EvalOutcome> Outcomes, int LlmCalls, double LatencyP50Ms, double LatencyP95Ms)
{
    /// <summary>Lookups on which the matcher asked the second embedding model (stores are not counted).</summary>
    public int SecondOpinions { get; init; }

    public int Questions => Outcomes.Count;

    public int Hits => Outcomes.Count(o => o.Hit);

    public int CorrectHits => Outcomes.Count(o => o.Hit && o.Correct);

    /// <summary>Share of all replayed questions answered without an LLM call.</summary>
    public double LlmCallsAvoided => Questions == 0 ? 0 : (double)(Questions - LlmCalls) / Questions;

    public int Paraphrases => Outcomes.Count(o => o.Question.Kind == EvalQuestionKind.Paraphrase);

    public int ParaphrasesServed => Outcomes.Count(o => o.Question.Kind == EvalQuestionKind.Paraphrase && o.Hit && o.Correct);

    public double ParaphraseHitRate => Paraphrases == 0 ? 0 : (double)ParaphrasesServed / Paraphrases;

    /// <summary>Hits whose served answer belongs to the asked question's intent; 1 when there were no hits.</summary>
    public double HitPrecision => Hits == 0 ? 1 : (double)CorrectHits / Hits;

    public int OutOfScopeHits => Outcomes.Count(o => o.Question.Kind == EvalQuestionKind.OutOfScope && o.Hit);

    /// <summary>Hits on questions an article answers that served another article's answer.</summary>
    public int WrongInScopeHits => Outcomes.Count(o => o.Hit && !o.Correct && o.Question.Intent is not null);

    /// <summary>Adversarial questions an article answers (<see cref="EvalQuestionKind.NearMiss"/>).</summary>
    public int NearMisses => Outcomes.Count(o => o.Question.Kind == EvalQuestionKind.NearMiss);

    public int NearMissesServed => Outcomes.Count(o => o.Question.Kind == EvalQuestionKind.NearMiss && o.Hit && o.Correct);

    /// <summary>A row of the issue #14 tables (see <see cref="SplitHeader"/>).</summary>
    public string SplitRow(string language) => string.Create(CultureInfo.InvariantCulture,
        $"| {Name} | {language} | {ParaphrasesServed}/{Paraphrases} ({ParaphraseHitRate:P0}) | {CorrectHits}/{Hits} ({HitPrecision:P1}) | {WrongInScopeHits} | {OutOfScopeHits} | {NearMissesServed}/{NearMisses} |");

    public static string SplitHeader =>
        "| mode | language | paraphrases served | hits correct (precision) | wrong hits | out-of-scope hits | near-misses served right |\n|---|---|---|---|---|---|---|";

    public EvalResult Only(Func<EvalOutcome, bool> filter, string suffix) => this with { Name = Name + suffix, Outcomes = Outcomes.Where(filter).ToList() };

    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"| {Name} | {LlmCallsAvoided:P1} | {ParaphrasesServed}/{Paraphrases} ({ParaphraseHitRate:P0}) | {CorrectHits}/{Hits} ({HitPrecision:P1}) | {OutOfScopeHits} | {LatencyP50Ms:0.0} / {LatencyP95Ms:0.0} |");

    public static string Header =>
        "| mode | LLM calls avoided | paraphrases served | hit precision | out-of-scope hits | lookup p50 / p95 ms |\n|---|---|---|---|---|---|";

    public string WrongHits()
    {
        var sb = new StringBuilder();
        foreach (var o in Outcomes.Where(o => o.Hit && !o.Correct))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  wrong hit: \"{o.Question.Text}\" ({o.Question.Intent ?? "out of scope"}{(o.Question.Category is { } c ? ", " + c : string.Empty)}) served \"{o.Decision.Entry?.Question}\" ({o.Decision.Similarity:0.00})");
        }

        return sb.ToString();
    }
}
