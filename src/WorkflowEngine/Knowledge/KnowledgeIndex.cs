using System.Numerics.Tensors;
using WorkflowEngine.Text;

namespace WorkflowEngine.Knowledge;

/// <summary>The in-memory search index of one knowledge base: BM25 over the chunks' words and their embeddings in one flat
/// float array. Immutable once built, so any number of searches can read it at once.</summary>
/// <remarks>
/// Scores, all 0..1 so that one <see cref="SearchOptions.MinScore"/> setting means the same thing in every mode:
/// <list type="bullet">
/// <item><b>keyword</b>: the chunk's BM25 score divided by the highest BM25 score any chunk could reach for this query (every
/// distinct query term present with saturated frequency). 1 = all query words found, often; query words that occur nowhere in
/// the knowledge base pull it down.</item>
/// <item><b>vector</b>: the cosine similarity of the query's and the chunk's embeddings, negatives clipped to 0; 0 for a mostly
/// Chinese (Japanese, Korean) chunk, whose embedding by the English-only model is noise.</item>
/// <item><b>hybrid</b>: ordered by weighted reciprocal rank fusion (0.5/(60 + keyword rank) + 1/(60 + vector rank)); the
/// score compared with MinScore is the mean of the keyword and vector scores. A mostly Chinese, Japanese or Korean question is
/// ranked and scored by keywords alone (the embedding model is English-only).</item>
/// </list>
/// </remarks>
public sealed class KnowledgeIndex
{
    /// <summary>The usual RRF constant (Cormack et al. 2009): damps the influence of the very first ranks.</summary>
    public const int RrfK = 60;

    /// <summary>The keyword ranking counts half as much as the vector ranking in the fusion. Measured with bench/KnowledgeEval:
    /// for short questions against short FAQ articles the keyword ranking is the noisier one (paraphrases share few words with
    /// the article), and equal weights let a wrong keyword-first chunk tie with the right vector-first chunk. On the shared FAQ
    /// dev set top-1 went from 82% (equal weights) to 86% (half), on the sample questions it stayed at 97%.</summary>
    public const double KeywordWeight = 0.5;

    private readonly KnowledgeChunk[] _chunks;
    private readonly Bm25Index _bm25;
    private readonly float[] _vectors;

    /// <param name="vectors">One embedding per chunk (same order), all of one length; empty arrays when none was made.</param>
    public KnowledgeIndex(IReadOnlyList<KnowledgeChunk> chunks, IReadOnlyList<float[]> vectors)
    {
        if (chunks.Count != vectors.Count)
        {
            throw new ArgumentException("Each chunk needs one vector.", nameof(vectors));
        }
        _chunks = [.. chunks];
        _bm25 = new Bm25Index([.. chunks.Select(c => WordTokenizer.SearchTerms(SearchText(c)))]);
        Dimensions = vectors.Count == 0 ? 0 : vectors[0].Length;
        if (vectors.Any(v => v.Length != Dimensions))
        {
            // Mixed models (e.g. the embedding provider changed): keyword search still works, vector search is disabled.
            Dimensions = 0;
        }
        _vectors = new float[Dimensions * chunks.Count];
        for (var i = 0; i < vectors.Count && Dimensions > 0; i++)
        {
            vectors[i].CopyTo(_vectors, i * Dimensions);
        }
    }

    public static KnowledgeIndex Empty { get; } = new([], []);

    public int Count => _chunks.Length;

    public int Dimensions { get; }

    public IReadOnlyList<KnowledgeChunk> Chunks => _chunks;

    /// <summary>The text that is indexed and embedded for a chunk: its heading (or, without one, the document name) and its text.</summary>
    public static string SearchText(KnowledgeChunk chunk) =>
        chunk.Heading is { Length: > 0 } h ? h + "\n\n" + chunk.Text : Path.GetFileNameWithoutExtension(chunk.DocumentName) + "\n\n" + chunk.Text;

    /// <param name="queryVector">The query's embedding; needed for vector and hybrid mode (null: those modes fall back to keyword scores only).</param>
    public IReadOnlyList<ScoredChunk> Search(string query, ReadOnlyMemory<float>? queryVector, SearchOptions options)
    {
        if (_chunks.Length == 0 || options.TopK <= 0)
        {
            return [];
        }
        var keyword = options.Mode == SearchMode.Vector ? null : KeywordScores(query);
        // The embedding model is English-only: for a Chinese (Japanese, Korean) question its cosines are noise (top-1 right for
        // 8 of 80 Chinese sample questions vs 70 of 80 by keywords), so hybrid search ranks such a question by keywords alone.
        var vector = options.Mode == SearchMode.Keyword || queryVector is null || options.Mode == SearchMode.Hybrid && CjkText.IsMostlyCjk(query)
            ? null
            : VectorScores(queryVector.Value.Span);

        IEnumerable<(int Index, double Score, double Order)> ranked = options.Mode switch
        {
            SearchMode.Keyword => Ranked(keyword!).Select(r => (r.Index, r.Score, r.Score)),
            SearchMode.Vector when vector is not null => Ranked(vector).Select(r => (r.Index, r.Score, r.Score)),
            SearchMode.Vector => [],
            _ => Fuse(keyword!, vector),
        };

        var hits = new List<ScoredChunk>(options.TopK);
        foreach (var (index, score, _) in ranked)
        {
            if (score < options.MinScore || score <= 0)
            {
                continue;
            }
            hits.Add(new ScoredChunk(_chunks[index], score, hits.Count + 1, keyword?[index], vector?[index]));
            if (hits.Count == options.TopK)
            {
                break;
            }
        }
        return hits;
    }

    /// <summary>Approximate managed memory held by this index, for the benchmark's "memory per 1,000 chunks".</summary>
    public long EstimateBytes() =>
        (long)_vectors.Length * sizeof(float) + _chunks.Sum(c => 2L * (c.Text.Length + (c.Heading?.Length ?? 0)) + 96);

    private double[] KeywordScores(string query)
    {
        var scores = new double[_chunks.Length];
        var (raw, ceiling) = _bm25.Score(WordTokenizer.SearchTerms(query));
        if (ceiling <= 0)
        {
            return scores;
        }
        foreach (var (doc, s) in raw)
        {
            scores[doc] = Math.Clamp(s / ceiling, 0, 1);
        }
        return scores;
    }

    private double[]? VectorScores(ReadOnlySpan<float> query)
    {
        if (Dimensions == 0 || query.Length != Dimensions)
        {
            return null;
        }
        var scores = new double[_chunks.Length];
        for (var i = 0; i < _chunks.Length; i++)
        {
            if (_bm25.IsCjkDocument(i))
            {
                continue; // the English-only embedding of Chinese text is noise: no vector score (0) for it
            }
            var cos = TensorPrimitives.CosineSimilarity(query, _vectors.AsSpan(i * Dimensions, Dimensions));
            scores[i] = float.IsNaN(cos) ? 0 : Math.Clamp(cos, 0, 1);
        }
        return scores;
    }

    private static IEnumerable<(int Index, double Score)> Ranked(double[] scores) =>
        Enumerable.Range(0, scores.Length).Where(i => scores[i] > 0).OrderByDescending(i => scores[i]).ThenBy(i => i).Select(i => (i, scores[i]));

    private IEnumerable<(int Index, double Score, double Order)> Fuse(double[] keyword, double[]? vector)
    {
        var fused = new double[_chunks.Length];
        var rank = 1;
        foreach (var (i, _) in Ranked(keyword))
        {
            fused[i] += KeywordWeight / (RrfK + rank++);
        }
        if (vector is not null)
        {
            rank = 1;
            foreach (var (i, _) in Ranked(vector))
            {
                fused[i] += 1.0 / (RrfK + rank++);
            }
        }
        return Enumerable.Range(0, fused.Length).Where(i => fused[i] > 0).OrderByDescending(i => fused[i]).ThenBy(i => i)
            .Select(i => (i, vector is null ? keyword[i] : (keyword[i] + vector[i]) / 2, fused[i]));
    }
}
