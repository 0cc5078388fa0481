using WorkflowEngine.Knowledge;

namespace WorkflowTesting.CacheEval;

/// <summary>
/// The knowledge base the evaluation retrieves from, built with the product's own pieces: <see cref="TextChunker"/>
/// (800/100, the studio's defaults), MiniLM embeddings and <see cref="KnowledgeIndex"/> in hybrid mode with the sample bot's
/// <c>minScore</c> 0.2. One document per .md file; its name without extension is the intent name in the dataset.
/// Only the top document matters to the semantic cache (its retrieval-agreement check).
/// </summary>
public sealed class EvalKnowledgeBase
{
    private readonly KnowledgeIndex _index;

    private EvalKnowledgeBase(KnowledgeIndex index, double minScore)
    {
        _index = index;
        MinScore = minScore;
    }

    /// <summary>Below this hybrid score nothing counts as found (the retrieve node's <c>minScore</c>).</summary>
    public double MinScore { get; }

    public IReadOnlyCollection<string> Documents => _index.Chunks.Select(c => c.DocumentId).Distinct().ToList();

    public static EvalKnowledgeBase Load(string folder, MiniLmEmbedder embedder, double minScore = 0.2)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The knowledge-base folder \"{folder}\" does not exist.");
        }

        var files = Directory.GetFiles(folder, "*.md").OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new InvalidDataException($"\"{folder}\" has no .md files.");
        }

        return FromArticles(files.Select(f => (Path.GetFileName(f), File.ReadAllText(f))), embedder, minScore);
    }

    /// <summary>From (file name, Markdown) pairs, e.g. the engine's embedded sample knowledge base.</summary>
    public static EvalKnowledgeBase FromArticles(IEnumerable<(string Name, string Markdown)> articles, MiniLmEmbedder embedder, double minScore = 0.2)
    {
        var chunks = articles
            .SelectMany(a => TextChunker.Chunk(Path.GetFileNameWithoutExtension(a.Name), a.Name, a.Markdown, 800, 100))
            .ToList();
        var vectors = chunks.Count == 0 ? [] : embedder.EmbedMany([.. chunks.Select(KnowledgeIndex.SearchText)]);
        return new EvalKnowledgeBase(new KnowledgeIndex(chunks, vectors), minScore);
    }

    /// <summary>The best document for a question and its score, or null when nothing scores at least <see cref="MinScore"/>.</summary>
    public (string? Document, double Score) TopDocument(string cleanedQuestion, float[] embedding)
    {
        var hits = _index.Search(cleanedQuestion, embedding, new SearchOptions(TopK: 1, MinScore: 0, Mode: SearchMode.Hybrid));
        if (hits.Count == 0)
        {
            return (null, 0);
        }

        return hits[0].Score >= MinScore ? (hits[0].Chunk.DocumentId, hits[0].Score) : (null, hits[0].Score);
    }
}
