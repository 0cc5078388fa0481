using WorkflowEngine.Caching.Semantic;
using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Tests.Caching.Semantic;

/// <summary>The second embedding model (arctic-embed-xs, real model) ranking the knowledge search's hits.</summary>
public sealed class ArcticRetrievalConfirmationTests(EmbeddingFixture fixture) : IClassFixture<EmbeddingFixture>
{
    private static readonly ScoredChunk Refunds = Hit("refunds", "Refunds", "Once we have received your return, the refund reaches your bank account or card within 5 to 10 working days.");
    private static readonly ScoredChunk Returns = Hit("returns", "Returns", "You can send items back within 30 days. Print the free return label from your account and drop the parcel at any post office.");
    private static readonly ScoredChunk Hours = Hit("contact-hours", "Customer service", "Our customer service team is available by phone and live chat Monday to Friday from 8:00 to 20:00.");

    private static ScoredChunk Hit(string document, string heading, string text) =>
        new(new KnowledgeChunk(document, document + ".md", heading, text), 0.5, 1, 0.5, 0.5);

    [Theory]
    [InlineData("when will i get my money back", "refunds")]
    [InlineData("how do i send something back", "returns")]
    [InlineData("what is your phone number", "contact-hours")]
    public async Task TopChunkAsync_Question_RanksItsArticleFirst(string question, string expected)
    {
        // Act: the hits in an order that does not give the answer away.
        var chunk = await fixture.Confirmation.TopChunkAsync(question, [Hours, Returns, Refunds], CancellationToken.None);

        // Assert
        Assert.Equal(expected, chunk?.DocumentId);
    }

    [Fact]
    public async Task TopChunkAsync_NoHits_Null()
    {
        Assert.Null(await fixture.Confirmation.TopChunkAsync("when will i get my money back", [], CancellationToken.None));
    }

    [Fact]
    public async Task EncodeAsync_Texts_UnitLength384()
    {
        // Act
        var vectors = await fixture.Confirmation.EncodeAsync([ArcticRetrievalConfirmation.QueryPrefix + "refund", "Refunds take 5 days."], CancellationToken.None);

        // Assert
        Assert.Equal(2, vectors.Length);
        Assert.All(vectors, v => Assert.Equal(384, v.Length));
        Assert.All(vectors, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 2));
    }

    [Fact]
    public void Rank_MissingVectorsSkipped_BestOfTheRest()
    {
        // Arrange
        float[] query = [1, 0];

        // Act
        var best = ArcticRetrievalConfirmation.Rank(query, [Refunds, Returns, Hours], [null, [0.6f, 0.8f], [0.8f, 0.6f]]);

        // Assert
        Assert.Equal("contact-hours", best?.DocumentId);
    }
}
