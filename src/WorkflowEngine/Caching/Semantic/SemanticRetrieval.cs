using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Caching.Semantic;

/// <summary>
/// Which knowledge-base document a question is about, for the matcher's retrieval-agreement check. One hybrid search
/// (the retrieve node's own ranking and <c>minScore</c> decide whether anything relevant was found at all), then the
/// document is chosen by the <b>vector</b> scores of the returned chunks: on short FAQ questions the vector ranking's top-1
/// is right far more often than the fused ranking's (96 % vs 86 % on the shared dev set, docs/benchmarks.md), because
/// paraphrases share few words with the article and the keyword ranking pulls the wrong article up. The gap between the
/// best document and the runner-up says how sure retrieval is (<see cref="SemanticQuery.RetrievalMargin"/>).
/// Used by the product (<see cref="SemanticAnswerMatcher"/>) and by the evaluation tool, so both decide alike.
/// </summary>
public static class SemanticRetrieval
{
    /// <summary>Chunks fetched per question: enough to hold the vector ranking's best chunks of the top few documents.</summary>
    public const int SearchTopK = 12;

    /// <summary>The search to run for a question (hybrid, no minimum: <see cref="TopDocument"/> applies the minimum itself).</summary>
    public static SearchOptions SearchOptions { get; } = new(TopK: SearchTopK, MinScore: 0, Mode: SearchMode.Hybrid);

    /// <summary>The question's document among <paramref name="hits"/> (hybrid order) and the score gap to the next document;
    /// null when nothing relevant was found: the best hybrid score is below <paramref name="minScore"/> and no chunk's vector
    /// score reaches <paramref name="minVectorScore"/> (a paraphrase may share no word with the article, which drags its hybrid
    /// score down, while its meaning is close).</summary>
    public static (KnowledgeChunk? Chunk, double Margin) TopDocument(IReadOnlyList<ScoredChunk> hits, double minScore, bool vectorRanking = true, double minVectorScore = 1.0)
    {
        ArgumentNullException.ThrowIfNull(hits);
        if (hits.Count == 0 || hits[0].Score <= 0 || hits[0].Score < minScore && !hits.Any(h => h.VectorScore >= minVectorScore))
        {
            return (null, 0);
        }

        if (!vectorRanking || hits.All(h => h.VectorScore is null))
        {
            var nextHybrid = hits.FirstOrDefault(h => !string.Equals(h.Chunk.DocumentId, hits[0].Chunk.DocumentId, StringComparison.Ordinal));
            return (hits[0].Chunk, nextHybrid is null ? 1 : hits[0].Score - nextHybrid.Score);
        }

        KnowledgeChunk? best = null;
        double bestScore = -1, second = 0;
        foreach (var hit in hits)
        {
            var score = hit.VectorScore ?? 0;
            if (best is not null && string.Equals(hit.Chunk.DocumentId, best.DocumentId, StringComparison.Ordinal))
            {
                if (score > bestScore)
                {
                    bestScore = score;
                    best = hit.Chunk;
                }

                continue;
            }

            if (score > bestScore)
            {
                if (best is not null)
                {
                    second = Math.Max(second, bestScore);
                }

                bestScore = score;
                best = hit.Chunk;
            }
            else
            {
                second = Math.Max(second, score);
            }
        }

        return (best, Math.Max(0, bestScore - second));
    }

    /// <summary>The best vector score among <paramref name="hits"/> (0 when none has one).</summary>
    public static double BestVectorScore(IReadOnlyList<ScoredChunk> hits)
    {
        ArgumentNullException.ThrowIfNull(hits);
        return hits.Count == 0 ? 0 : Math.Max(0, hits.Max(h => h.VectorScore ?? 0));
    }

    /// <summary>How a question's retrieval spreads over documents: per document (id), a weight that falls off with its best
    /// vector score's distance to the top document's (e^(−gap / <paramref name="scale"/>)), normalised to sum 1. Two wordings of
    /// one request rank the same runner-up articles about as close; two requests that merely share a top article do not.</summary>
    public static IReadOnlyDictionary<string, double> Profile(IReadOnlyList<ScoredChunk> hits, double scale = 0.05)
    {
        ArgumentNullException.ThrowIfNull(hits);
        var scores = DocumentScores(hits);
        if (scores.Count == 0)
        {
            return new Dictionary<string, double>(StringComparer.Ordinal);
        }

        var top = scores.Values.Max();
        var weights = scores.ToDictionary(s => s.Key, s => Math.Exp(-(top - s.Value) / scale), StringComparer.Ordinal);
        var sum = weights.Values.Sum();
        return weights.ToDictionary(w => w.Key, w => w.Value / sum, StringComparer.Ordinal);
    }

    /// <summary>The overlap (histogram intersection, 0..1) of two <see cref="Profile"/>s; 0 when either is unknown.</summary>
    public static double ProfileOverlap(IReadOnlyDictionary<string, double>? a, IReadOnlyDictionary<string, double>? b)
    {
        if (a is null || b is null || a.Count == 0 || b.Count == 0)
        {
            return 0;
        }

        var overlap = 0.0;
        foreach (var (document, weight) in a)
        {
            overlap += Math.Min(weight, b.GetValueOrDefault(document));
        }

        return overlap;
    }

    /// <summary>The stemmed words (heading and text) of all <paramref name="hits"/>, and the character pairs of their Chinese,
    /// Japanese or Korean text: the vocabulary the knowledge base uses around the question. A word outside it is the asker's
    /// own wording.</summary>
    public static IReadOnlySet<string> Terms(IReadOnlyList<ScoredChunk> hits)
    {
        ArgumentNullException.ThrowIfNull(hits);
        var terms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var hit in hits)
        {
            var text = hit.Chunk.Heading + " " + hit.Chunk.Text;
            terms.UnionWith(QuestionFeatures.Terms(text));
            QuestionFeatures.AddCjkPairs(text, terms);
        }

        return terms;
    }

    /// <summary>The stemmed words of <paramref name="documentId"/>'s chunks among <paramref name="hits"/> (heading and text).</summary>
    public static IReadOnlySet<string> ArticleTerms(IReadOnlyList<ScoredChunk> hits, string documentId)
    {
        ArgumentNullException.ThrowIfNull(hits);
        return Terms([.. hits.Where(h => string.Equals(h.Chunk.DocumentId, documentId, StringComparison.Ordinal))]);
    }

    /// <summary>Per stemmed word of <paramref name="hits"/>, the number of distinct documents it occurs in.</summary>
    public static IReadOnlyDictionary<string, int> TermDocumentCounts(IReadOnlyList<ScoredChunk> hits)
    {
        ArgumentNullException.ThrowIfNull(hits);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var document in hits.GroupBy(h => h.Chunk.DocumentId, StringComparer.Ordinal))
        {
            foreach (var term in Terms([.. document]))
            {
                counts[term] = counts.GetValueOrDefault(term) + 1;
            }
        }

        return counts;
    }

    /// <summary>Per other document among <paramref name="hits"/>, its best vector score (hybrid score without vectors):
    /// how close each runner-up article came.</summary>
    public static IReadOnlyDictionary<string, double> DocumentScores(IReadOnlyList<ScoredChunk> hits)
    {
        ArgumentNullException.ThrowIfNull(hits);
        var vectors = hits.Any(h => h.VectorScore is not null);
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var hit in hits)
        {
            var score = vectors ? hit.VectorScore ?? 0 : hit.Score;
            scores[hit.Chunk.DocumentId] = Math.Max(scores.GetValueOrDefault(hit.Chunk.DocumentId), score);
        }

        return scores;
    }

    /// <summary>The stemmed words of the documents (other than <paramref name="documentId"/>) that came within
    /// <paramref name="gap"/> of its score: the articles retrieval was torn between.</summary>
    public static IReadOnlySet<string> ContenderTerms(IReadOnlyList<ScoredChunk> hits, string documentId, double gap)
    {
        ArgumentNullException.ThrowIfNull(hits);
        var scores = DocumentScores(hits);
        var top = scores.GetValueOrDefault(documentId);
        var contenders = scores.Where(s => !string.Equals(s.Key, documentId, StringComparison.Ordinal) && s.Value >= top - gap).Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        return Terms([.. hits.Where(h => contenders.Contains(h.Chunk.DocumentId))]);
    }
}
