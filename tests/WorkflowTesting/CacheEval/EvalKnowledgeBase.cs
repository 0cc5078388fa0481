using WorkflowEngine.Caching.Semantic;
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

    /// <summary>The best hybrid score (what the retrieve node's <c>minScore</c> is compared with) and the best vector score of a question.</summary>
    public (double Hybrid, double Vector) BestScores(string cleanedQuestion, float[] embedding)
    {
        var hits = _index.Search(cleanedQuestion, embedding, SemanticRetrieval.SearchOptions);
        return hits.Count == 0 ? (0, 0) : (hits[0].Score, hits.Max(h => h.VectorScore ?? 0));
    }

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

    /// <summary>The query the product's semantic cache builds for <paramref name="question"/> (as typed; <paramref name="cleaned"/>
    /// is the clean node's output): retrieval facts as in <see cref="TopDocument"/> plus, with <paramref name="confirmation"/>,
    /// the second model's document among the same hits.</summary>
    public SemanticQuery Query(string question, string cleaned, float[] embedding, SemanticMatchOptions options, IRetrievalConfirmation? confirmation)
    {
        ArgumentNullException.ThrowIfNull(options);
        var hits = _index.Search(cleaned, embedding, SemanticRetrieval.SearchOptions);
        var (chunk, margin) = SemanticRetrieval.TopDocument(hits, MinScore, options.RetrievalByVector, options.RetrievalMinVectorScore);
        if (chunk is null)
        {
            return new SemanticQuery(question, cleaned, embedding, null) { RetrievalMargin = 0 };
        }

        return new SemanticQuery(question, cleaned, embedding, chunk.DocumentId)
        {
            RetrievalMargin = margin,
            RetrievalScore = SemanticRetrieval.BestVectorScore(hits),
                    RetrievalProfile = SemanticRetrieval.Profile(hits),
            KnowledgeTerms = SemanticRetrieval.Terms(hits),
            ArticleTerms = SemanticRetrieval.ArticleTerms(hits, chunk.DocumentId),
            TermDocumentCounts = SemanticRetrieval.TermDocumentCounts(hits),
            ContenderTerms = SemanticRetrieval.ContenderTerms(hits, chunk.DocumentId, options.CoverageContenderGap),
            ConfirmingDocumentSource = confirmation is null ? null : async ct => (await confirmation.TopChunkAsync(cleaned, hits, ct).ConfigureAwait(false))?.DocumentId,
        };
    }

    /// <summary>The question's document as the product's semantic cache picks it (<see cref="SemanticRetrieval"/>: hybrid search,
    /// minimum score, then the vector ranking), the hybrid score of the best chunk, and the gap to the next document.</summary>
    public (string? Document, double Score, double Margin, IReadOnlySet<string>? Terms, IReadOnlySet<string>? ArticleTerms, IReadOnlyDictionary<string, int>? Counts, IReadOnlySet<string>? Contenders) TopDocument(string cleanedQuestion, float[] embedding, bool vectorRanking = true, double minVectorScore = 0.40, double contenderGap = 0.25)
    {
        var hits = _index.Search(cleanedQuestion, embedding, SemanticRetrieval.SearchOptions);
        var (chunk, margin) = SemanticRetrieval.TopDocument(hits, MinScore, vectorRanking, minVectorScore);
        return (chunk?.DocumentId, hits.Count == 0 ? 0 : hits[0].Score, margin, chunk is null ? null : SemanticRetrieval.Terms(hits),
            chunk is null ? null : SemanticRetrieval.ArticleTerms(hits, chunk.DocumentId),
            chunk is null ? null : SemanticRetrieval.TermDocumentCounts(hits),
            chunk is null ? null : SemanticRetrieval.ContenderTerms(hits, chunk.DocumentId, contenderGap));
    }
}
