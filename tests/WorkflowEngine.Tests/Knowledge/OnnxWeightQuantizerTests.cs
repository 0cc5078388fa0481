using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Tests.Knowledge;

public sealed class OnnxWeightQuantizerTests
{
    private const int Rows = 16;
    private const int Columns = 8;

    [Fact]
    public void QuantizeMatMulWeights_MatMulWithAWeightMatrix_RunsAsInt8AndGivesNearlyTheSameProduct()
    {
        // Arrange: y = x · W with W an initializer, columns of very different magnitude (one scale per column must cope)
        var weights = new float[Rows * Columns];
        for (var r = 0; r < Rows; r++)
        {
            for (var c = 0; c < Columns; c++)
            {
                weights[r * Columns + c] = MathF.Sin(r * 1.3f + c) * MathF.Pow(10, c % 4 - 2);
            }
        }
        var input = Enumerable.Range(0, 2 * Rows).Select(i => MathF.Cos(i * 0.7f)).ToArray();
        var model = MatMulModel(weights);

        // Act
        var quantized = OnnxWeightQuantizer.QuantizeMatMulWeights(model, out var replaced);
        var expected = Run(model, input);
        var actual = Run(quantized, input);

        // Assert
        Assert.Equal(1, replaced);
        var graph = ModelProto.Parser.ParseFrom(quantized).Graph;
        Assert.Equal("DynamicQuantizeMatMul", Assert.Single(graph.Node).OpType);
        Assert.DoesNotContain(graph.Initializer, t => t.Name == "W");
        Assert.Contains(graph.Initializer, t => t.Name == "W_quantized" && t.DataType == (int)TensorProto.Types.DataType.Int8);
        for (var i = 0; i < expected.Length; i++)
        {
            var column = i % Columns;
            var tolerance = 0.03f * MathF.Pow(10, column % 4 - 2) * Rows;
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= tolerance, $"output {i}: {expected[i]} vs {actual[i]}");
        }
    }

    [Fact]
    public void QuantizeMatMulWeights_MatMulOfTwoInputs_IsLeftAsItIs()
    {
        // Arrange: nothing to quantize ahead of time when both sides come from the run (attention scores)
        var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "g" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        model.Graph.Node.Add(new NodeProto { OpType = "MatMul", Input = { "x", "y" }, Output = { "z" } });

        // Act
        var result = OnnxWeightQuantizer.QuantizeMatMulWeights(model.ToByteArray(), out var replaced);

        // Assert
        Assert.Equal(0, replaced);
        Assert.Equal("MatMul", ModelProto.Parser.ParseFrom(result).Graph.Node[0].OpType);
    }

    private static byte[] MatMulModel(float[] weights)
    {
        var graph = new GraphProto { Name = "matmul" };
        graph.Input.Add(Value("x", 2, Rows));
        graph.Output.Add(Value("y", 2, Columns));
        var w = new TensorProto { Name = "W", DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights.AsSpan())) };
        w.Dims.Add([Rows, Columns]);
        graph.Initializer.Add(w);
        graph.Node.Add(new NodeProto { OpType = "MatMul", Name = "mm", Input = { "x", "W" }, Output = { "y" } });
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }

    private static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
    }

    private static float[] Run(byte[] model, float[] input)
    {
        using var session = new InferenceSession(model);
        using var x = OrtValue.CreateTensorValueFromMemory(input, [2, Rows]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [x], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
