using WorkflowEngine.Knowledge;

namespace WorkflowTesting.CacheEval;

/// <summary>The engine's built-in all-MiniLM-L6-v2 encoder (384 dimensions, L2-normalised), called directly on the caller's
/// thread (the product's generator moves the work to the thread pool, which a synchronous replay loop would only measure as
/// two thread wake-ups). Not thread-safe: one caller at a time.</summary>
public sealed class MiniLmEmbedder : IDisposable
{
    private readonly OnnxSentenceEncoder _encoder = OnnxSentenceEncoder.CreateMiniLm();
    private readonly Lock _gate = new();

    public float[] Embed(string text) => EmbedMany([text])[0];

    public float[][] EmbedMany(IReadOnlyList<string> texts)
    {
        lock (_gate)
        {
            return _encoder.Encode(texts);
        }
    }

    public void Dispose() => _encoder.Dispose();
}
