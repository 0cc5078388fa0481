using System.Numerics.Tensors;
using WorkflowEngine.Caching.Semantic;

namespace WorkflowTesting.CacheEval;

/// <summary>
/// The knowledge base the evaluation retrieves from: one document per .md file (its name without extension, which is the
/// intent name in the dataset), split into paragraphs. Hybrid search like the retrieve node's default: cosine of MiniLM
/// embeddings (best paragraph, title prepended) blended with a BM25 keyword score, normalised to 0..1.
/// Only the top document matters to the semantic cache (its retrieval-agreement check).
/// </summary>
public sealed class EvalKnowledgeBase
{
    private readonly List<(string Document, string Text, float[] Embedding, string[] Terms)> _chunks = [];
    private readonly Dictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    private readonly MiniLmEmbedder _embedder;
    private double _averageLength;

    private EvalKnowledgeBase(MiniLmEmbedder embedder)
    {
        _embedder = embedder;
    }

    /// <summary>Minimum hybrid score for a document to count as found (below it the retrieve node reports "not found").</summary>
    public double MinScore { get; init; } = 0.3;

    public IReadOnlyCollection<string> Documents => _chunks.Select(c => c.Document).Distinct().ToList();

    public static EvalKnowledgeBase Load(string folder, MiniLmEmbedder embedder, double minScore = 0.3)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The knowledge-base folder \"{folder}\" does not exist.");
        }

        var kb = new EvalKnowledgeBase(embedder) { MinScore = minScore };
        var files = Directory.GetFiles(folder, "*.md").OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new InvalidDataException($"\"{folder}\" has no .md files.");
        }

        foreach (var file in files)
        {
            var document = Path.GetFileNameWithoutExtension(file);
            var lines = File.ReadAllLines(file);
            var title = lines.FirstOrDefault(l => l.StartsWith('#'))?.TrimStart('#', ' ') ?? document;
            var paragraphs = string.Join('\n', lines.Where(l => !l.StartsWith('#')))
                .Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var paragraph in paragraphs.DefaultIfEmpty(title))
            {
                var text = $"{title}. {paragraph}";
                kb._chunks.Add((document, text, embedder.Embed(text), Terms(text)));
            }
        }

        foreach (var term in kb._chunks.SelectMany(c => c.Terms.Distinct()))
        {
            kb._documentFrequency[term] = kb._documentFrequency.GetValueOrDefault(term) + 1;
        }

        kb._averageLength = kb._chunks.Average(c => c.Terms.Length);
        return kb;
    }

    /// <summary>The best document for a question and its score, or null when nothing scores at least <see cref="MinScore"/>.</summary>
    public (string? Document, double Score) TopDocument(string cleanedQuestion, float[] embedding)
    {
        var queryTerms = Terms(cleanedQuestion).Distinct().ToArray();
        var keyword = new double[_chunks.Count];
        for (var i = 0; i < _chunks.Count; i++)
        {
            keyword[i] = Bm25(queryTerms, _chunks[i].Terms);
        }

        var maxKeyword = keyword.DefaultIfEmpty(0).Max();
        string? best = null;
        var bestScore = double.MinValue;
        for (var i = 0; i < _chunks.Count; i++)
        {
            var vector = TensorPrimitives.CosineSimilarity(embedding, _chunks[i].Embedding);
            var score = 0.7 * vector + 0.3 * (maxKeyword > 0 ? keyword[i] / maxKeyword : 0) * Math.Min(1.0, vector * 3);
            if (score > bestScore)
            {
                bestScore = score;
                best = _chunks[i].Document;
            }
        }

        return bestScore >= MinScore ? (best, bestScore) : (null, bestScore);
    }

    private double Bm25(string[] queryTerms, string[] chunkTerms)
    {
        const double k1 = 1.2, b = 0.75;
        var n = _chunks.Count;
        var score = 0.0;
        foreach (var term in queryTerms)
        {
            var tf = chunkTerms.Count(t => t == term);
            if (tf == 0)
            {
                continue;
            }

            var df = _documentFrequency.GetValueOrDefault(term);
            var idf = Math.Log(1 + (n - df + 0.5) / (df + 0.5));
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * chunkTerms.Length / _averageLength));
        }

        return score;
    }

    private static string[] Terms(string text) =>
        QuestionFeatures.From(EvalText.Clean(text)).ContentWords.Count == 0
            ? []
            : EvalText.Clean(text).Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(w => QuestionFeatures.From(w).ContentWords.FirstOrDefault())
                .Where(w => w is not null)
                .Select(w => w!)
                .ToArray();
}
