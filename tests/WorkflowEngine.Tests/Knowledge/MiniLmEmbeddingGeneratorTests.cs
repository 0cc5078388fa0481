using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Tests.Knowledge;

[Collection(EmbeddingCollection.Name)]
public sealed class MiniLmEmbeddingGeneratorTests(EmbeddingFixture fixture)
{
    [Fact]
    public async Task GenerateAsync_ThreeSentences_Returns384DimensionalUnitVectors()
    {
        // Act
        var embeddings = await fixture.Generator.GenerateAsync(["one", "two", "three"]);

        // Assert
        Assert.Equal(3, embeddings.Count);
        Assert.All(embeddings, e =>
        {
            Assert.Equal(MiniLmEmbeddingGenerator.Dimensions, e.Vector.Length);
            Assert.Equal(1.0, TensorPrimitives.Norm(e.Vector.Span), 3);
        });
        Assert.True(fixture.Generator.IsLoaded);
    }

    [Fact]
    public async Task GenerateAsync_Paraphrase_ScoresHigherThanUnrelatedSentence()
    {
        // Arrange
        var v = await fixture.Generator.GenerateAsync(["How do I get a refund?", "Can I have my money back?", "What are your opening hours?"]);

        // Act
        var paraphrase = TensorPrimitives.CosineSimilarity(v[0].Vector.Span, v[1].Vector.Span);
        var unrelated = TensorPrimitives.CosineSimilarity(v[0].Vector.Span, v[2].Vector.Span);

        // Assert
        Assert.True(paraphrase > unrelated + 0.2, $"paraphrase {paraphrase:F2}, unrelated {unrelated:F2}");
    }

    [Fact]
    public async Task GenerateAsync_ConcurrentCalls_AllSucceedWithSameResult()
    {
        // Act
        var tasks = Enumerable.Range(0, 8).Select(_ => fixture.Generator.GenerateAsync(["Where is my parcel?"])).ToList();
        var results = await Task.WhenAll(tasks);

        // Assert
        var first = results[0][0].Vector.ToArray();
        Assert.All(results, r => Assert.Equal(first, r[0].Vector.ToArray()));
    }

    [Fact]
    public void GetService_Metadata_NamesTheModel()
    {
        // Act
        var metadata = fixture.Generator.GetService<EmbeddingGeneratorMetadata>();

        // Assert
        Assert.NotNull(metadata);
        Assert.Equal(MiniLmEmbeddingGenerator.ModelId, metadata.DefaultModelId);
        Assert.Equal(MiniLmEmbeddingGenerator.Dimensions, metadata.DefaultModelDimensions);
    }
}
