using WorkflowEngine.Caching.Semantic;
using WorkflowTesting.CacheEval;

namespace WorkflowEngine.Tests.Caching.Semantic;

/// <summary>The real embedded MiniLM model, loaded once for the semantic-cache tests (the matcher is only meaningful on real vectors).</summary>
public sealed class EmbeddingFixture : IDisposable
{
    private readonly Dictionary<string, float[]> _phrases = new(StringComparer.Ordinal);

    public MiniLmEmbedder Embedder { get; } = new();

    /// <summary>The second embedding model (arctic-embed-xs), as the product registers it.</summary>
    public ArcticRetrievalConfirmation Confirmation { get; } = new();

    /// <summary>A matcher with the rules decision unless <paramref name="options"/> say otherwise: these tests pin each check
    /// on hand-made queries that carry a document but none of the retrieval scores the calibrated model weighs.</summary>
    public SemanticMatcher Matcher(SemanticMatchOptions? options = null) => new(options ?? new SemanticMatchOptions { Decision = SemanticDecision.Rules }, Phrase);

    public float[] Phrase(string words)
    {
        lock (_phrases)
        {
            if (!_phrases.TryGetValue(words, out var v))
            {
                v = Embedder.Embed(words);
                _phrases[words] = v;
            }

            return v;
        }
    }

    public SemanticQuery Query(string question, string? topDocument)
    {
        var cleaned = EvalText.Clean(question);
        return new SemanticQuery(question, cleaned, Embedder.Embed(cleaned), topDocument);
    }

    public SemanticEntry Entry(string question, string? topDocument, string? answer = null, string? id = null)
    {
        var cleaned = EvalText.Clean(question);
        return new SemanticEntry(id ?? cleaned, question, cleaned, Embedder.Embed(cleaned), topDocument, answer ?? $"answer to {question}", DateTimeOffset.UnixEpoch);
    }

    public void Dispose()
    {
        Embedder.Dispose();
        Confirmation.Dispose();
    }
}
