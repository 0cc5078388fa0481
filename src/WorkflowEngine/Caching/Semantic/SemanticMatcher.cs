using System.Globalization;

namespace WorkflowEngine.Caching.Semantic;

/// <summary>
/// Decides whether a new question may be answered with a cached question's answer. The rule is "a false hit is worse
/// than a miss": a miss costs one LLM call, a false hit gives a customer another question's answer. So a candidate must
/// pass every check below; any failure is a miss, and every decision says which checks passed and failed.
/// <list type="number">
/// <item><b>exact</b>: the same cleaned text is always a hit.</item>
/// <item><b>similarity</b>: cosine of the embeddings ≥ <see cref="SemanticMatchOptions.Threshold"/>; for Chinese,
/// Japanese and Korean text (the embedding model is English-only) character-bigram similarity ≥ <see cref="SemanticMatchOptions.CjkThreshold"/>,
/// or ≥ <see cref="SemanticMatchOptions.CjkAgreedThreshold"/> when both questions retrieve the same article (which then also
/// replaces the margin check: character overlap with other articles' questions says nothing about intent).</item>
/// <item><b>retrieval</b>: both questions retrieved the same top knowledge-base document. A single cosine threshold cannot
/// separate paraphrases from near-misses (right paraphrases score as low as 0.3, wrong intents up to 0.6 with MiniLM);
/// agreeing on the document that answers them is strong, cheap evidence of the same intent.</item>
/// <item><b>margin</b>: the match is at least <see cref="SemanticMatchOptions.MinMargin"/> closer than the nearest rival: a
/// cached question with a different answer that retrieved another article (or, without a knowledge base, any different
/// answer): when two answers are about equally close, neither is safe. Paraphrases answered from the same article are not
/// rivals: an LLM words each answer a little differently, and that must not make the cache refuse. Waived when a second,
/// independent model (<see cref="IRetrievalConfirmation"/>) puts both questions on the agreed article too (asked only then).</item>
/// <item><b>negation</b>: both or neither are negated ("can I" vs "can't I"), or the negated word is not asked in the other.</item>
/// <item><b>numbers</b>: the same numbers ("within 14 days" vs "within 30 days"); a number only the new question adds to a
/// differently worded question is an added detail.</item>
/// <item><b>entities</b>: every product or place name in the cached question also appears in the new one, and a name only the
/// new one has is used by the agreed article.</item>
/// <item><b>coverage</b>: no word of the new question (beyond the cached one's) is a word of a close runner-up article that
/// the agreed article lacks: such a word points to that article, so the agreement may be a retrieval mistake.</item>
/// <item><b>substitution</b>: the questions are not one sentence with a swapped slot, each side with its own subject words
/// ("does the warranty cover accidental damage" vs "… wear and tear": <see cref="QuestionFeatures.FrameOverlap"/> ≥
/// <see cref="SemanticMatchOptions.SubstitutionMinFrame"/>); for CJK, each has a word of the knowledge base the other lacks
/// (退款 refund vs 退货 return; without a knowledge base: any characters), or they ask for different things (多久 how long vs
/// 怎么 how).</item>
/// </list>
/// With <see cref="SemanticDecision.Calibrated"/> (the default) a candidate that passes every check must also reach
/// <see cref="HitModel"/>'s hit probability for the <see cref="SemanticMatchOptions.Strictness"/>: the checks veto what they
/// recognise, the model weighs the remaining evidence (<see cref="HitFeatures"/>).
/// Up to <see cref="SemanticMatchOptions.MaxCandidates"/> nearest entries are tried in order; the first that passes is the hit.
/// </summary>
public sealed class SemanticMatcher(SemanticMatchOptions options, Func<string, CancellationToken, ValueTask<float[]>>? phraseEmbedding = null, HitModel? model = null)
{
    public SemanticMatcher()
        : this(new SemanticMatchOptions())
    {
    }

    /// <summary>With a synchronous phrase embedding (tests, the evaluation tool).</summary>
    public SemanticMatcher(SemanticMatchOptions options, Func<string, float[]> phraseEmbedding, HitModel? model = null)
        : this(options, (text, _) => ValueTask.FromResult(phraseEmbedding(text)), model)
    {
    }

    /// <summary>Embeds the words two questions do not share, to tell synonyms ("fee"/"cost") from different subjects
    /// ("accidental damage"/"wear and tear"). Optional: without it any swapped subject words are a miss. Callers should
    /// memoise it (the vocabulary of a bot is small); it is called at most once per decision.</summary>
    private readonly Func<string, CancellationToken, ValueTask<float[]>>? _phraseEmbedding = phraseEmbedding;

    public SemanticMatchOptions Options { get; } = options;

    /// <summary>The calibrated decision's model (<see cref="HitModel.Default"/> unless given).</summary>
    public HitModel Model => model ?? HitModel.Default;

    /// <summary>Decides hit or miss for <paramref name="query"/> against <paramref name="candidates"/>, nearest first.</summary>
    public async ValueTask<MatchDecision> DecideAsync(SemanticQuery query, IReadOnlyList<SemanticCandidate> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0)
        {
            return MatchDecision.Empty;
        }

        foreach (var candidate in candidates)
        {
            if (string.Equals(candidate.Entry.NormalizedText, query.NormalizedText, StringComparison.Ordinal))
            {
                return new MatchDecision(true, candidate.Entry, 1.0, [new MatchCheck("exact", true, "Same text after cleaning.")],
                    $"Same question as \"{candidate.Entry.Question}\" after cleaning.");
            }
        }

        MatchDecision? firstMiss = null;
        var limit = Math.Min(candidates.Count, Options.MaxCandidates);
        for (var i = 0; i < limit; i++)
        {
            var decision = await CheckAsync(query, candidates[i], candidates, cancellationToken).ConfigureAwait(false);
            if (decision.IsHit)
            {
                return decision;
            }

            // Explain the miss by the nearest candidate about the same article when there is one: "why not that one" is the
            // useful answer (the nearer ones from other articles were never in question).
            if (firstMiss is null || !Agrees(firstMiss) && Agrees(decision))
            {
                firstMiss = decision;
            }

            if (candidates[i].Similarity < ThresholdFor(query))
            {
                break; // candidates are nearest first: the rest are further away still
            }
        }

        return firstMiss!;
    }

    /// <summary>Compares two questions directly (the inspector's "test phrasing" box): would <paramref name="asked"/> be
    /// served the answer cached for <paramref name="cached"/>? Both need embeddings and (optionally) their top documents.</summary>
    public ValueTask<MatchDecision> CompareAsync(SemanticQuery asked, SemanticQuery cached, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(asked);
        ArgumentNullException.ThrowIfNull(cached);
        var entry = new SemanticEntry("compare", cached.Question, cached.NormalizedText, cached.Embedding, cached.TopDocument, string.Empty, DateTimeOffset.MinValue)
        {
            RetrievalScore = cached.RetrievalScore,
            RetrievalMargin = cached.TopDocument is null ? 0 : cached.RetrievalMargin,
            RetrievalProfile = cached.RetrievalProfile,
        };
        return DecideAsync(asked, [new SemanticCandidate(entry, cached.Features, Similarity(asked, cached.Features, cached.Embedding))], cancellationToken);
    }

    /// <summary>The similarity the matcher uses: cosine for non-CJK text, character-bigram Dice when the query is CJK.</summary>
    public static double Similarity(SemanticQuery query, QuestionFeatures entryFeatures, ReadOnlySpan<float> entryEmbedding)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(entryFeatures);
        if (query.Features.IsCjk || entryFeatures.IsCjk)
        {
            return QuestionFeatures.CjkBigramSimilarity(query.Features, entryFeatures);
        }

        return entryEmbedding.Length == query.Embedding.Length && entryEmbedding.Length > 0
            ? System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(query.Embedding, entryEmbedding)
            : 0;
    }

    /// <summary>The lowest threshold any candidate can have (candidates are nearest first: below it, the rest fail too).</summary>
    private double ThresholdFor(SemanticQuery query) =>
        !query.Features.IsCjk ? Options.Threshold : query.TopDocument is null ? Options.CjkThreshold : Math.Min(Options.CjkThreshold, Options.CjkAgreedThreshold);

    private double ThresholdFor(SemanticQuery query, SemanticCandidate candidate) =>
        !query.Features.IsCjk ? Options.Threshold
        : query.TopDocument is not null && string.Equals(query.TopDocument, candidate.Entry.TopDocument, StringComparison.Ordinal) ? Options.CjkAgreedThreshold
        : Options.CjkThreshold;

    private async ValueTask<MatchDecision> CheckAsync(SemanticQuery query, SemanticCandidate candidate, IReadOnlyList<SemanticCandidate> all, CancellationToken cancellationToken,
        bool resolveAll = false)
    {
        var q = query.Features;
        var e = candidate.Features;
        var cjk = q.IsCjk || e.IsCjk;
        var checks = new List<MatchCheck>(8);
        var threshold = ThresholdFor(query, candidate);

        checks.Add(new MatchCheck("similarity", candidate.Similarity >= threshold,
            string.Create(CultureInfo.InvariantCulture, $"{(cjk ? "Character similarity" : "Similarity")} {candidate.Similarity:0.00} (needs {threshold:0.00}).")));

        if (Options.RequireRetrievalAgreement)
        {
            var agree = query.TopDocument is not null
                ? string.Equals(query.TopDocument, candidate.Entry.TopDocument, StringComparison.Ordinal)
                : cjk && candidate.Entry.TopDocument is null; // e.g. Chinese questions on an English knowledge base
            var detail = query.TopDocument is null && candidate.Entry.TopDocument is null
                ? agree ? "Neither question found a knowledge-base document." : "The knowledge base has nothing on this question."
                : agree ? $"Both questions retrieve \"{query.TopDocument}\"."
                : $"This question retrieves \"{query.TopDocument ?? "nothing"}\", the cached one \"{candidate.Entry.TopDocument ?? "nothing"}\".";
            if (agree && query.TopDocument is not null && query.RetrievalMargin < Options.MinRetrievalMargin)
            {
                agree = false;
                detail = string.Create(CultureInfo.InvariantCulture,
                    $"Both questions retrieve \"{query.TopDocument}\", but only {query.RetrievalMargin:0.00} ahead of the next article (needs {Options.MinRetrievalMargin:0.00}).");
            }

            checks.Add(new MatchCheck("retrieval", agree, detail));
        }

        // The second model's agreement may waive a failed margin (or coverage) check. It costs an embedding, so it is asked
        // last, only when every other check has passed: until then the waivable failures are pending.
        var sameArticle = query.TopDocument is not null && string.Equals(query.TopDocument, candidate.Entry.TopDocument, StringComparison.Ordinal)
            && (candidate.Entry.RetrievalConfirmed || !Options.ConfirmationRequiresEntry);
        var waivable = new Dictionary<int, MatchCheck>();

        var competitor = 0.0;
        SemanticEntry? rival = null;
        foreach (var other in all)
        {
            if (IsRival(other.Entry, candidate.Entry) && other.Similarity > competitor)
            {
                competitor = other.Similarity;
                rival = other.Entry;
            }
        }

        var margin = candidate.Similarity - competitor;
        if (cjk && query.TopDocument is not null && string.Equals(query.TopDocument, candidate.Entry.TopDocument, StringComparison.Ordinal))
        {
            // Character similarity to a question about another article is surface overlap ("客服电话是多少" / "运费是多少"); for
            // CJK text the article both questions retrieve is the evidence of intent, so such a rival does not count.
            checks.Add(new MatchCheck("margin", true, "Both questions retrieve the same article; for Chinese text closeness to questions about other articles is not compared."));
            rival = null;
        }
        else
        {
            checks.Add(new MatchCheck("margin", rival is null || margin >= Options.MinMargin, rival is null
                ? "No other cached answer is close."
                : string.Create(CultureInfo.InvariantCulture, $"{margin:0.00} closer than \"{rival.Question}\" (needs {Options.MinMargin:0.00}).")));
        }

        if (rival is not null && margin < Options.MinMargin && Options.ConfirmedRetrievalWaivesMargin && sameArticle)
        {
            waivable[checks.Count - 1] = new MatchCheck("margin", true, string.Create(CultureInfo.InvariantCulture,
                $"\"{rival.Question}\" is about as close ({margin:0.00}), but it is about another article, and a second model also ranks \"{query.TopDocument}\" first for both questions."));
        }

        if (Options.CheckNegation)
        {
            checks.Add(Negation(q, e, cjk));
        }

        if (Options.CheckNumbers)
        {
            checks.Add(Numbers(q, e));
        }

        if (Options.CheckEntities)
        {
            checks.Add(Entities(query, q, e));
        }

        if (Options.CheckCoverage && !cjk && query.TermDocumentCounts is { } counts && query.ArticleTerms is { } article
            && query.TopDocument is not null && string.Equals(query.TopDocument, candidate.Entry.TopDocument, StringComparison.Ordinal))
        {
            // Only words distinctive of other articles (in at most CoverageMaxDocuments of them): generic shop words
            // ("order", "item") occur in many articles and say nothing about which one is meant.
            var elsewhere = q.ContentWordsAsTyped
                .Where(w => !e.ContentWords.Contains(QuestionFeatures.Stem(w)) && !article.Contains(QuestionFeatures.Stem(w))
                    && counts.GetValueOrDefault(QuestionFeatures.Stem(w)) is > 0 and var n && n <= Options.CoverageMaxDocuments
                    && (query.ContenderTerms is null || query.ContenderTerms.Contains(QuestionFeatures.Stem(w))))
                .Distinct(StringComparer.Ordinal).ToList();
            checks.Add(new MatchCheck("coverage", elsewhere.Count == 0, elsewhere.Count == 0
                ? "The article covers this question's words."
                : $"\"{string.Join(" ", elsewhere)}\" appears in a close runner-up article but not in \"{query.TopDocument}\": the question may be about that article."));
            if (elsewhere.Count > 0 && Options.ConfirmedRetrievalWaivesCoverage && sameArticle)
            {
                waivable[checks.Count - 1] = new MatchCheck("coverage", true,
                    $"\"{string.Join(" ", elsewhere)}\" appears in a close runner-up article, but a second model also ranks \"{query.TopDocument}\" first for both questions.");
            }
        }

        if (Options.Decision == SemanticDecision.Calibrated)
        {
            return await CalibratedAsync(query, candidate, checks, waivable, rival is null ? double.MaxValue : margin, sameArticle, resolveAll, cancellationToken).ConfigureAwait(false);
        }

        // Last and only when everything else passed (or may be waived): it may need an embedding call.
        if (Options.CheckSubstitution && checks.Select((c, i) => c.Passed || waivable.ContainsKey(i)).All(ok => ok))
        {
            var known = Options.GroundSubstitution ? query.KnowledgeTerms : null;
            checks.Add(cjk ? CjkSubstitution(q, e, query.KnowledgeTerms) : await WordSubstitutionAsync(q, e, known, cancellationToken).ConfigureAwait(false));
        }

        if (waivable.Count > 0 && checks.Select((c, i) => c.Passed || waivable.ContainsKey(i)).All(ok => ok)
            && await query.IsRetrievalConfirmedAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var (index, waived) in waivable)
            {
                checks[index] = waived;
            }
        }

        var failed = checks.Where(c => !c.Passed).ToList();
        var reason = failed.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"Matches \"{candidate.Entry.Question}\" (similarity {candidate.Similarity:0.00}); all checks passed.")
            : $"Nearest cached question \"{candidate.Entry.Question}\" rejected: {string.Join(" ", failed.Select(c => c.Detail))}";
        return new MatchDecision(failed.Count == 0, candidate.Entry, candidate.Similarity, checks, reason);
    }

    /// <summary>The calibrated decision: every check must pass (a failed margin or coverage check may be waived by the second
    /// model, as in the rules), and then the hit probability of <see cref="HitModel"/> must reach the strictness's threshold.
    /// The checks veto what they recognise (a flipped negation, other numbers, a swapped subject); the model, fitted on the
    /// pairs the checks let through, weighs the remaining evidence into one calibrated number instead of a hand-set threshold
    /// per signal. The two costly features are bounded first and computed only when they could change the decision.</summary>
    private async ValueTask<MatchDecision> CalibratedAsync(SemanticQuery query, SemanticCandidate candidate, List<MatchCheck> checks, Dictionary<int, MatchCheck> waivable,
        double rivalMargin, bool sameArticle, bool resolveAll, CancellationToken cancellationToken)
    {
        var needed = Options.HitProbability ?? Model.Threshold(Options.Strictness);
        var x = HitFeatures.Eager(query, candidate, checks, rivalMargin);
        var eagerHold = checks.Select((c, i) => c.Passed || waivable.ContainsKey(i)).All(ok => ok);
        bool? substitutionFails = Options.CheckSubstitution ? null : false;
        bool? confirmed = sameArticle ? null : false;
        var (low, high) = Bounds(x, substitutionFails, confirmed);
        bool Open() => resolveAll || eagerHold && low < needed && high >= needed;
        if (substitutionFails is null && (Open() || eagerHold && high >= needed))
        {
            var q = query.Features;
            var e = candidate.Features;
            var check = q.IsCjk || e.IsCjk
                ? CjkSubstitution(q, e, query.KnowledgeTerms)
                : await WordSubstitutionAsync(q, e, Options.GroundSubstitution ? query.KnowledgeTerms : null, cancellationToken).ConfigureAwait(false);
            checks.Add(check);
            substitutionFails = !check.Passed;
            (low, high) = Bounds(x, substitutionFails, confirmed);
        }

        // The second model is needed when it could move the probability across the threshold, or to waive a failed check.
        var waiverNeeded = eagerHold && waivable.Count > 0 && substitutionFails == false && high >= needed;
        if (confirmed is null && (Open() || waiverNeeded))
        {
            confirmed = await query.IsRetrievalConfirmedAsync(cancellationToken).ConfigureAwait(false);
            (low, high) = Bounds(x, substitutionFails, confirmed);
        }

        if (confirmed == true)
        {
            foreach (var (index, waived) in waivable)
            {
                checks[index] = waived;
            }
        }

        x[HitFeatures.SubstitutionFails] = substitutionFails == true ? 1 : 0;
        x[HitFeatures.Confirmed] = confirmed == true ? 1 : 0;
        var known = substitutionFails is not null && confirmed is not null;
        var probability = known ? Model.Probability(x) : low;
        var rulesHold = checks.All(c => c.Passed);
        var strictness = Options.HitProbability is null ? Options.Strictness.ToString().ToLowerInvariant() : "set";
        var hit = rulesHold && probability >= needed;
        var verdict = new MatchCheck("probability", probability >= needed, string.Create(CultureInfo.InvariantCulture,
            $"Hit probability {(known ? probability.ToString("0.00", CultureInfo.InvariantCulture) : "at most " + high.ToString("0.00", CultureInfo.InvariantCulture))} (needs {needed:0.00}, {strictness})."));
        var failed = checks.Where(c => !c.Passed).Select(c => c.Detail).ToList();
        checks.Add(verdict);
        var reason = hit
            ? string.Create(CultureInfo.InvariantCulture, $"Matches \"{candidate.Entry.Question}\" (similarity {candidate.Similarity:0.00}); all checks passed. {verdict.Detail}")
            : $"Nearest cached question \"{candidate.Entry.Question}\" rejected: {(failed.Count > 0 ? string.Join(" ", failed) : verdict.Detail)}";
        return new MatchDecision(hit, candidate.Entry, candidate.Similarity, checks, reason) { HitProbability = probability, Features = x, RulesHold = rulesHold };
    }

    /// <summary>The lowest and highest probability over the values the unknown features can still take.</summary>
    private (double Low, double High) Bounds(double[] x, bool? substitutionFails, bool? confirmed)
    {
        double low = 1, high = 0;
        foreach (var s in substitutionFails is { } sf ? [sf] : new[] { false, true })
        {
            foreach (var c in confirmed is { } cf ? [cf] : new[] { false, true })
            {
                x[HitFeatures.SubstitutionFails] = s ? 1 : 0;
                x[HitFeatures.Confirmed] = c ? 1 : 0;
                var p = Model.Probability(x);
                low = Math.Min(low, p);
                high = Math.Max(high, p);
            }
        }

        return (low, high);
    }

    /// <summary>The calibrated decision on each candidate alone, with every costly feature computed (<see cref="MatchDecision.Features"/>),
    /// for fitting <see cref="HitModel"/>. Exact matches are not special-cased.</summary>
    public async ValueTask<IReadOnlyList<MatchDecision>> DecideEachAsync(SemanticQuery query, IReadOnlyList<SemanticCandidate> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(candidates);
        if (Options.Decision != SemanticDecision.Calibrated)
        {
            throw new InvalidOperationException("Hit features belong to the calibrated decision.");
        }

        var decisions = new List<MatchDecision>(candidates.Count);
        foreach (var candidate in candidates)
        {
            decisions.Add(await CheckAsync(query, candidate, candidates, cancellationToken, resolveAll: true).ConfigureAwait(false));
        }

        return decisions;
    }

    private MatchCheck Entities(SemanticQuery query, QuestionFeatures q, QuestionFeatures e)
    {
        var missing = e.Entities.Where(x => !q.Entities.Contains(x) && !q.ContentWords.Contains(QuestionFeatures.Stem(x))).ToList();
        if (missing.Count > 0)
        {
            return new MatchCheck("entities", false, $"The cached question is about {string.Join(", ", missing)}, this one is not.");
        }

        // A name only the new question has ("can you send orders to Canada") must at least be one the agreed article uses:
        // otherwise neither the cached answer nor its article is about it, and the agreement may be a retrieval mistake.
        var unknown = Options.CheckAddedEntities && query.ArticleTerms is { } article
            ? q.Entities.Where(x => !e.Entities.Contains(x) && !e.ContentWords.Contains(QuestionFeatures.Stem(x)) && !article.Contains(QuestionFeatures.Stem(x))).ToList()
            : [];
        return unknown.Count > 0
            ? new MatchCheck("entities", false, $"This question is about {string.Join(", ", unknown)}, which neither the cached question nor \"{query.TopDocument}\" mentions.")
            : new MatchCheck("entities", true, e.Entities.Count == 0 && q.Entities.Count == 0 ? "Neither question names a product or place." : "Same names, or names the article uses.");
    }

    private MatchCheck Numbers(QuestionFeatures q, QuestionFeatures e)
    {
        if (q.Numbers.SetEquals(e.Numbers))
        {
            return new MatchCheck("numbers", true, q.Numbers.Count == 0 ? "No numbers." : $"Same numbers ({string.Join(", ", q.Numbers)}).");
        }

        // A number only the new question has is a detail it adds, like an added word ("Can I use two discount codes?" vs
        // "My discount code doesn't work"), unless the two are one sentence with the number put in ("Can I return 2 items?"
        // vs "Can I return items?"). Numbers on both sides must be equal; a number only the cached question has makes its
        // answer more specific than what is asked.
        if (e.Numbers.Count == 0 && Options.NumbersAddedInOtherWordsAllowed && !q.IsCjk)
        {
            var frame = QuestionFeatures.FrameOverlap(q, e);
            if (frame < Options.SubstitutionMinFrame)
            {
                return new MatchCheck("numbers", true, string.Create(CultureInfo.InvariantCulture,
                    $"This question adds {Describe(q.Numbers)} to a question worded differently throughout (they share {frame:P0} of their wording)."));
            }
        }

        return new MatchCheck("numbers", false, $"Different numbers: {Describe(q.Numbers)} vs {Describe(e.Numbers)}.");
    }

    private MatchCheck Negation(QuestionFeatures q, QuestionFeatures e, bool cjk)
    {
        if (q.IsNegated == e.IsNegated)
        {
            return new MatchCheck("negation", true, "Both or neither are negated.");
        }

        var (negated, other) = q.IsNegated ? (q, e) : (e, q);
        var which = q.IsNegated ? "This question is negated, the cached one is not" : "The cached question is negated, this one is not";
        if (cjk || !Options.ScopedNegation || negated.NegatedWords.Count == 0)
        {
            return new MatchCheck("negation", false, which + ".");
        }

        var flipped = negated.NegatedWords.Where(other.ContentWords.Contains).ToList();
        var negatedTyped = negated.ContentWordsAsTyped.Where(w => negated.NegatedWords.Contains(QuestionFeatures.Stem(w))).Distinct().ToList();
        return flipped.Count > 0
            ? new MatchCheck("negation", false, $"{which}: one asks whether \"{string.Join(" ", negatedTyped)}\", the other whether not.")
            : new MatchCheck("negation", true, $"{which}, but the negated words (\"{string.Join(" ", negatedTyped)}\") are not asked in the other question.");
    }

    private async ValueTask<MatchCheck> WordSubstitutionAsync(QuestionFeatures q, QuestionFeatures e, IReadOnlySet<string>? known, CancellationToken cancellationToken)
    {
        var onlyNew = q.ContentWords.Where(w => !e.ContentWords.Contains(w)).ToList();
        var onlyCached = e.ContentWords.Where(w => !q.ContentWords.Contains(w)).ToList();
        var shared = q.ContentWords.Count(e.ContentWords.Contains);
        if (shared == 0 || onlyCached.Count == 0)
        {
            // Fully reworded ("money back" vs "refund"), or the new question adds detail to the cached one.
            return new MatchCheck("substitution", true, "No swapped subject words.");
        }

        if (onlyNew.Count == 0)
        {
            var passed = !Options.CheckGeneralization;
            return new MatchCheck("substitution", passed, passed
                ? "The cached question is more specific; allowed."
                : $"The cached question is more specific (\"{string.Join(" ", onlyCached)}\").");
        }

        var newWords = string.Join(" ", q.ContentWordsAsTyped.Where(w => onlyNew.Contains(QuestionFeatures.Stem(w))));
        var cachedWords = string.Join(" ", e.ContentWordsAsTyped.Where(w => onlyCached.Contains(QuestionFeatures.Stem(w))));
        var frame = QuestionFeatures.FrameOverlap(q, e);
        if (frame < Options.SubstitutionMinFrame)
        {
            return new MatchCheck("substitution", true, string.Create(CultureInfo.InvariantCulture,
                $"\"{newWords}\" vs \"{cachedWords}\": the questions are worded differently throughout (they share {frame:P0} of their wording), not one question with a swapped detail."));
        }

        if (known is not null && (!onlyNew.Any(known.Contains) || !onlyCached.Any(known.Contains)))
        {
            // The knowledge base tells specifics apart only by the words it uses; a side whose differing words it never uses
            // around this question is the asker's own wording for what retrieval already matched.
            var foreign = onlyNew.Any(known.Contains) ? cachedWords : newWords;
            return new MatchCheck("substitution", true, $"\"{newWords}\" vs \"{cachedWords}\": the knowledge base does not use \"{foreign}\" here, so this is rewording, not a different specific.");
        }

        if (_phraseEmbedding is null)
        {
            return new MatchCheck("substitution", false, $"Same subject but different specifics: \"{newWords}\" vs \"{cachedWords}\".");
        }

        var a = await _phraseEmbedding(newWords, cancellationToken).ConfigureAwait(false);
        var b = await _phraseEmbedding(cachedWords, cancellationToken).ConfigureAwait(false);
        var closeness = a.Length == b.Length && a.Length > 0 ? System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b) : 0f;
        var same = closeness >= Options.SubstitutionSimilarity;
        return new MatchCheck("substitution", same, same
            ? string.Create(CultureInfo.InvariantCulture, $"\"{newWords}\" means about the same as \"{cachedWords}\" ({closeness:0.00}).")
            : string.Create(CultureInfo.InvariantCulture, $"Same subject but different specifics: \"{newWords}\" vs \"{cachedWords}\" ({closeness:0.00}, needs {Options.SubstitutionSimilarity:0.00})."));
    }

    private static MatchCheck CjkSubstitution(QuestionFeatures q, QuestionFeatures e, IReadOnlySet<string>? known)
    {
        if (known is not null)
        {
            // With a knowledge base: its words decide. Each question has a word of the articles the other lacks (退款 vs
            // 退货, 余额 vs 有效期) → different specifics; words of the asker's own (到账, 一般) or one side adding one are not.
            var newTerms = q.CjkKeyTerms(known);
            var cachedTerms = e.CjkKeyTerms(known);
            var newOnly = newTerms.Where(t => !cachedTerms.Contains(t)).Order(StringComparer.Ordinal).ToList();
            var cachedOnly = cachedTerms.Where(t => !newTerms.Contains(t)).Order(StringComparer.Ordinal).ToList();
            if (q.CjkQuestionKind is { } asked && e.CjkQuestionKind is { } cachedKind && asked != cachedKind)
            {
                return new MatchCheck("substitution", false, $"This question asks {DescribeKind(asked)}, the cached one {DescribeKind(cachedKind)}.");
            }

            var swapped = newOnly.Count > 0 && cachedOnly.Count > 0;
            return new MatchCheck("substitution", !swapped, swapped
                ? $"Different key words: {string.Join("、", newOnly)} vs {string.Join("、", cachedOnly)}."
                : "No swapped key words.");
        }

        var onlyNew = q.CjkContentChars.Where(c => !e.CjkContentChars.Contains(c)).ToList();
        var onlyCached = e.CjkContentChars.Where(c => !q.CjkContentChars.Contains(c)).ToList();
        var substituted = onlyNew.Count > 0 && onlyCached.Count > 0;
        return new MatchCheck("substitution", !substituted, substituted
            ? $"Different key characters: {string.Concat(onlyNew)} vs {string.Concat(onlyCached)}."
            : "No swapped key characters.");
    }

    private static string DescribeKind(string kind) => kind switch
    {
        "time" => "how long or when",
        "place" => "where",
        "which" => "which or what",
        "amount" => "how much or how many",
        "reason" => "why",
        "how" => "how",
        _ => "yes or no",
    };

    private static bool Agrees(MatchDecision decision) => decision.Checks.Any(c => c.Name == "retrieval" && c.Passed);

    private static bool IsRival(SemanticEntry other, SemanticEntry candidate) =>
        !string.Equals(other.Answer, candidate.Answer, StringComparison.Ordinal)
        && (other.TopDocument is null || candidate.TopDocument is null || !string.Equals(other.TopDocument, candidate.TopDocument, StringComparison.Ordinal));

    private static string Describe(IReadOnlySet<string> numbers) => numbers.Count == 0 ? "none" : string.Join(", ", numbers);
}
