using Microsoft.Extensions.AI;
using WorkflowEngine.Caching;

namespace WorkflowEngine.Knowledge;

/// <summary>
/// Remembers the embeddings of the last texts embedded one at a time. A run that misses the response cache needs its question's
/// embedding for the gate's lookup and again for the retrieve step's search, and a question asked again later needs it again;
/// with this the model computes it once (about 5 ms on the built-in model, a network call on an endpoint). Batches (document
/// indexing) pass straight through, so indexing cannot push the questions out.
/// </summary>
public sealed class RecentEmbeddingsGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, int capacity = RecentEmbeddingsGenerator.DefaultCapacity)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    /// <summary>4,096 texts: about 6 MiB of 384-dimension vectors.</summary>
    public const int DefaultCapacity = 4096;

    private readonly LruCache<string, Embedding<float>> _recent = new(capacity, StringComparer.Ordinal);

    /// <summary>Texts embedded by the model (not remembered) since start; for tests and diagnostics.</summary>
    public long Computed => Interlocked.Read(ref _computed);

    private long _computed;

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        // Options (dimensions, model) could change the vector: only plain single texts are remembered.
        if (options is not null || values is not IReadOnlyList<string> { Count: 1 } single)
        {
            var all = values as IReadOnlyCollection<string> ?? [.. values];
            Interlocked.Add(ref _computed, all.Count);
            return await base.GenerateAsync(all, options, cancellationToken).ConfigureAwait(false);
        }

        var text = single[0];
        if (!_recent.TryGetValue(text, out var embedding))
        {
            Interlocked.Increment(ref _computed);
            var generated = await base.GenerateAsync(single, null, cancellationToken).ConfigureAwait(false);
            embedding = generated[0];
            // Two callers embedding the same new text at once both compute it; the second simply replaces the first.
            _recent.GetOrAdd(text, _ => embedding);
        }

        return [embedding];
    }
}
