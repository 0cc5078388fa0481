using WorkflowEngine.Caching.Semantic;
using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Tests.Caching.Semantic;

public sealed class SemanticRetrievalTests
{
    private static ScoredChunk Hit(string document, double hybrid, double vector, int rank, string text = "text") =>
        new(new KnowledgeChunk(document, document + ".md", null, text), hybrid, rank, 0, vector);

    [Fact]
    public void TopDocument_VectorRankingDisagreesWithFusion_PicksVectorBest()
    {
        // Arrange: the fused ranking puts "returns" first (keyword match), the vector ranking "refunds".
        IReadOnlyList<ScoredChunk> hits = [Hit("returns", 0.5, 0.40, 1), Hit("refunds", 0.45, 0.55, 2), Hit("refunds", 0.3, 0.50, 3)];

        // Act
        var (chunk, margin) = SemanticRetrieval.TopDocument(hits, minScore: 0.2);

        // Assert
        Assert.Equal("refunds", chunk!.DocumentId);
        Assert.Equal(0.15, margin, 3);
    }

    [Fact]
    public void TopDocument_HybridRankingRequested_PicksFusedBest()
    {
        // Arrange
        IReadOnlyList<ScoredChunk> hits = [Hit("returns", 0.5, 0.40, 1), Hit("refunds", 0.45, 0.55, 2)];

        // Act
        var (chunk, margin) = SemanticRetrieval.TopDocument(hits, minScore: 0.2, vectorRanking: false);

        // Assert
        Assert.Equal("returns", chunk!.DocumentId);
        Assert.Equal(0.05, margin, 3);
    }

    [Fact]
    public void TopDocument_LowHybridScoreButCloseMeaning_Found()
    {
        // Arrange: no shared words (hybrid 0.1) but a vector score of 0.45.
        IReadOnlyList<ScoredChunk> hits = [Hit("delete-account", 0.1, 0.45, 1), Hit("login-problems", 0.08, 0.30, 2)];

        // Act
        var (chunk, _) = SemanticRetrieval.TopDocument(hits, minScore: 0.2, minVectorScore: 0.4);

        // Assert
        Assert.Equal("delete-account", chunk!.DocumentId);
    }

    [Fact]
    public void TopDocument_LowHybridAndVectorScores_NothingFound()
    {
        // Arrange: an out-of-scope question.
        IReadOnlyList<ScoredChunk> hits = [Hit("contact-hours", 0.1, 0.31, 1)];

        // Act
        var (chunk, margin) = SemanticRetrieval.TopDocument(hits, minScore: 0.2, minVectorScore: 0.4);

        // Assert
        Assert.Null(chunk);
        Assert.Equal(0, margin);
    }

    [Fact]
    public void Terms_ChunksText_StemmedWordsOfAllHits()
    {
        // Arrange
        IReadOnlyList<ScoredChunk> hits = [Hit("a", 0.5, 0.5, 1, "Refunds arrive within 5 days."), Hit("b", 0.4, 0.4, 2, "Returns are free.")];

        // Act
        var terms = SemanticRetrieval.Terms(hits);

        // Assert
        Assert.Contains(QuestionFeatures.Stem("refund"), terms);
        Assert.Contains(QuestionFeatures.Stem("returns"), terms);
        Assert.DoesNotContain("warranty", terms);
    }

    [Fact]
    public void ContenderTerms_RunnerUpsWithinGap_OnlyTheirWords()
    {
        // Arrange: "gift-cards" came within 0.1 of the top article, "warranty" did not.
        IReadOnlyList<ScoredChunk> hits =
        [
            Hit("discount-codes", 0.5, 0.50, 1, "Enter the voucher code at checkout."),
            Hit("gift-cards", 0.4, 0.45, 2, "Check the balance of a gift card."),
            Hit("warranty", 0.3, 0.20, 3, "The warranty covers defects."),
        ];

        // Act
        var terms = SemanticRetrieval.ContenderTerms(hits, "discount-codes", gap: 0.1);

        // Assert
        Assert.Contains(QuestionFeatures.Stem("balance"), terms);
        Assert.DoesNotContain(QuestionFeatures.Stem("voucher"), terms);
        Assert.DoesNotContain(QuestionFeatures.Stem("warranty"), terms);
    }
}
