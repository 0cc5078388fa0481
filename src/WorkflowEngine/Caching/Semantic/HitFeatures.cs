namespace WorkflowEngine.Caching.Semantic;

/// <summary>
/// The evidence <see cref="HitModel"/> weighs for one new question and one cached question, as numbers (most 0..1). Each
/// is cheap and local to the pair (no scan of the cache). Two are costly and computed only when they could change the
/// decision (<see cref="SemanticMatcher"/> bounds the probability first): <see cref="Confirmed"/> needs the second
/// model's embedding of the question, <see cref="SubstitutionFails"/> may embed the swapped words.
/// </summary>
public static class HitFeatures
{
    /// <summary>The features in order; the model's weights follow this order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "similarity",            // cosine of the MiniLM embeddings (0 for CJK text)
        "cjkSimilarity",         // character-bigram similarity (0 for non-CJK text)
        "cjk",                   // 1 when either question is Chinese, Japanese or Korean
        "sameArticle",           // both retrieve the same top document
        "neitherRetrieves",      // neither found a document
        "retrievalMargin",       // when same article: how far it leads the next document for the new question (vector score)
        "retrievalScore",        // when same article: the new question's best vector score (how well the knowledge base covers it)
        "rivalMargin",           // how much closer than the nearest cached question with another answer (clamped to ±0.2)
        "confirmed",             // the second model also ranks the agreed article first for both questions
        "negationDiffers",       // the negation check failed
        "numbersDiffer",         // the numbers check failed
        "entitiesDiffer",        // the names check failed
        "coverageFails",         // a word of the new question points to a close runner-up article
        "substitutionFails",     // one sentence with a swapped subject, or the cached question is more specific
        "offArticleWords",       // share of the new question's words in neither the cached question nor the agreed article
        "sharedWords",           // Jaccard overlap of the content words (CJK: character pairs)
        "lengthRatio",           // shorter / longer, in content words (CJK: characters)
        "cachedRetrievalMargin", // when same article: as retrievalMargin, for the cached question
        "cachedRetrievalScore",  // when same article: as retrievalScore, for the cached question
        "cachedOffArticleWords", // share of the cached question's words in neither the new question nor the agreed article
        "frameOverlap",          // shared wording in order (QuestionFeatures.FrameOverlap; 0 for CJK)
        "groundedSwap",          // each question has words of its own that the retrieved knowledge-base text uses
        "retrievalOverlap",      // how alike the two questions' retrievals spread over documents (SemanticRetrieval.Profile)
        "namesDiffer",           // a product or place name on one side only (either side)
        "polarityDiffers",       // one question is negated, the other not, whatever the negation applies to
        "wordsElsewhere",        // when same article: share of the new question's words that a close runner-up article uses and the agreed one does not
        "cachedWordsElsewhere",  // the same for the cached question's words
    ];

    public const int Confirmed = 8;
    public const int SubstitutionFails = 13;

    /// <summary>The features that need no model call. <see cref="Confirmed"/> and <see cref="SubstitutionFails"/> are left 0.</summary>
    internal static double[] Eager(SemanticQuery query, SemanticCandidate candidate, IReadOnlyList<MatchCheck> checks, double rivalMargin)
    {
        var q = query.Features;
        var e = candidate.Features;
        var entry = candidate.Entry;
        var cjk = q.IsCjk || e.IsCjk;
        var same = query.TopDocument is not null && string.Equals(query.TopDocument, entry.TopDocument, StringComparison.Ordinal);
        var x = new double[Names.Count];
        x[0] = cjk ? 0 : candidate.Similarity;
        x[1] = cjk ? candidate.Similarity : 0;
        x[2] = cjk ? 1 : 0;
        x[3] = same ? 1 : 0;
        x[4] = query.TopDocument is null && entry.TopDocument is null ? 1 : 0;
        x[5] = same ? Math.Min(query.RetrievalMargin, 0.3) : 0;
        x[6] = same ? query.RetrievalScore : 0;
        x[7] = Math.Clamp(rivalMargin, -0.2, 0.2);
        x[9] = Failed(checks, "negation");
        x[10] = Failed(checks, "numbers");
        x[11] = Failed(checks, "entities");
        x[12] = Failed(checks, "coverage");
        IReadOnlySet<string> mine = cjk ? q.CjkBigrams : q.ContentWords;
        IReadOnlySet<string> theirs = cjk ? e.CjkBigrams : e.ContentWords;
        var shared = mine.Count(theirs.Contains);
        var union = mine.Count + theirs.Count - shared;
        var article = same ? query.ArticleTerms : null;
        x[14] = OffArticle(mine, theirs, article);
        x[15] = union == 0 ? 0 : (double)shared / union;
        var (a, b) = cjk ? (q.CjkContentChars.Count, e.CjkContentChars.Count) : (q.ContentWords.Count, e.ContentWords.Count);
        x[16] = Math.Max(a, b) == 0 ? 1 : (double)Math.Min(a, b) / Math.Max(a, b);
        x[17] = same ? Math.Min(entry.RetrievalMargin, 0.3) : 0;
        x[18] = same ? entry.RetrievalScore : 0;
        x[19] = OffArticle(theirs, mine, article);
        x[20] = cjk ? 0 : QuestionFeatures.FrameOverlap(q, e);
        x[21] = query.KnowledgeTerms is { } known && mine.Any(w => !theirs.Contains(w) && known.Contains(w)) && theirs.Any(w => !mine.Contains(w) && known.Contains(w)) ? 1 : 0;
        x[22] = SemanticRetrieval.ProfileOverlap(query.RetrievalProfile, entry.RetrievalProfile);
        x[23] = q.Entities.Any(n => !e.Entities.Contains(n) && !e.ContentWords.Contains(QuestionFeatures.Stem(n)))
            || e.Entities.Any(n => !q.Entities.Contains(n) && !q.ContentWords.Contains(QuestionFeatures.Stem(n))) ? 1 : 0;
        x[24] = q.IsNegated != e.IsNegated ? 1 : 0;
        x[25] = Elsewhere(mine, article, query.ContenderTerms);
        x[26] = Elsewhere(theirs, article, query.ContenderTerms);
        return x;
    }

    private static double Elsewhere(IReadOnlySet<string> words, IReadOnlySet<string>? article, IReadOnlySet<string>? contenders) =>
        words.Count == 0 || article is null || contenders is null ? 0 : (double)words.Count(w => contenders.Contains(w) && !article.Contains(w)) / words.Count;

    // Words the agreed article never uses, beyond the other question's: what the question asks that neither the article nor
    // the other question covers ("gift wrapping" agreeing on the gift-card article). Without an agreed article: every own word.
    private static double OffArticle(IReadOnlySet<string> words, IReadOnlySet<string> other, IReadOnlySet<string>? article) =>
        words.Count == 0 ? 0 : (double)words.Count(w => !other.Contains(w) && (article is null || !article.Contains(w))) / words.Count;

    private static double Failed(IReadOnlyList<MatchCheck> checks, string name) => checks.Any(c => c.Name == name && !c.Passed) ? 1 : 0;
}
