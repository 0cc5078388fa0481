using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace WorkflowEngine.Knowledge;

/// <summary>
/// Dynamic int8 quantization of an ONNX model's weight matrices, done in memory when a model is loaded: every <c>MatMul</c>
/// whose second input is a 2-D float initializer becomes ONNX Runtime's <c>com.microsoft.DynamicQuantizeMatMul</c>, with the
/// weights stored as int8, one symmetric scale per output column, and the activations quantized to uint8 per run by the
/// operator itself (what <c>onnxruntime.quantization.quantize_dynamic</c> does with per-channel weights). Everything else
/// (embeddings, layer norms, attention scores) stays float.
/// </summary>
/// <remarks>Written here because no .NET library quantizes ONNX models and the Python tool is not part of the product; the
/// packaged float model stays the source, so a package update needs no extra step. Measured on this machine (docs/benchmarks.md,
/// "Lookup latency", sixth pass): one question through all-MiniLM-L6-v2 2.8 → 0.8 ms and arctic-embed-xs 4.1 → 1.2 ms. Only arctic-embed-xs runs quantized in the product:
/// MiniLM's vectors moved enough to cost paraphrase hits (<see cref="OnnxSentenceEncoder.CreateMiniLm"/>).</remarks>
public static class OnnxWeightQuantizer
{
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>The model with its <c>MatMul</c> weights quantized; <paramref name="quantized"/> counts the replaced nodes.</summary>
    public static byte[] QuantizeMatMulWeights(byte[] model, out int quantized)
    {
        ArgumentNullException.ThrowIfNull(model);
        var proto = ModelProto.Parser.ParseFrom(model);
        var graph = proto.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var uses = graph.Node.SelectMany(n => n.Input).GroupBy(name => name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        quantized = 0;
        foreach (var node in graph.Node)
        {
            // Only weights stored in the model itself (not in an external data file) can be read here.
            if (node.OpType != "MatMul" || node.Input.Count != 2 || !initializers.TryGetValue(node.Input[1], out var weights)
                || weights.Dims.Count != 2 || weights.DataType != (int)TensorProto.Types.DataType.Float
                || weights.RawData.Length + weights.FloatData.Count * sizeof(float) != weights.Dims[0] * weights.Dims[1] * sizeof(float))
            {
                continue;
            }

            var names = QuantizedNames(weights.Name);
            if (!initializers.ContainsKey(names.Values))
            {
                foreach (var tensor in Quantize(weights, names))
                {
                    graph.Initializer.Add(tensor);
                    initializers[tensor.Name] = tensor;
                }
            }

            var activations = node.Input[0];
            node.OpType = "DynamicQuantizeMatMul";
            node.Domain = MicrosoftDomain;
            node.Input.Clear();
            node.Input.Add([activations, names.Values, names.Scales, names.ZeroPoints]);
            if (--uses[weights.Name] == 0)
            {
                graph.Initializer.Remove(weights);
            }
            quantized++;
        }

        if (quantized > 0 && !proto.OpsetImport.Any(o => o.Domain == MicrosoftDomain))
        {
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }
        return proto.ToByteArray();
    }

    private static (string Values, string Scales, string ZeroPoints) QuantizedNames(string name) =>
        (name + "_quantized", name + "_scale", name + "_zero_point");

    // Symmetric per-column int8: scale = max |w| / 127 over the column, zero point 0.
    private static TensorProto[] Quantize(TensorProto weights, (string Values, string Scales, string ZeroPoints) names)
    {
        var rows = checked((int)weights.Dims[0]);
        var columns = checked((int)weights.Dims[1]);
        var data = weights.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(weights.RawData.Span) : weights.FloatData.ToArray();
        var scales = new float[columns];
        for (var c = 0; c < columns; c++)
        {
            var max = 0f;
            for (var r = 0; r < rows; r++)
            {
                max = MathF.Max(max, MathF.Abs(data[r * columns + c]));
            }
            scales[c] = max > 0 ? max / 127f : 1f;
        }

        var values = new sbyte[rows * columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                values[r * columns + c] = (sbyte)Math.Clamp((int)MathF.Round(data[r * columns + c] / scales[c]), -127, 127);
            }
        }

        return
        [
            Tensor(names.Values, TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(values.AsSpan()), rows, columns),
            Tensor(names.Scales, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(scales.AsSpan()), columns),
            Tensor(names.ZeroPoints, TensorProto.Types.DataType.Int8, new byte[columns], columns),
        ];
    }

    private static TensorProto Tensor(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> raw, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.Add(dims);
        return tensor;
    }
}
