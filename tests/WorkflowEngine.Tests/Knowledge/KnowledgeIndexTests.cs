using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Tests.Knowledge;

public sealed class KnowledgeIndexTests
{
    private static KnowledgeChunk C(string heading, string text) => new(heading, heading + ".md", heading, text);

    // Hand-made 3-dimensional "embeddings" make the fusion arithmetic checkable.
    private static readonly KnowledgeIndex Index = new(
        [C("Refunds", "Money goes back to your card."), C("Returns", "Send items back within 30 days."), C("Hours", "Open Monday to Friday.")],
        [[1f, 0f, 0f], [0.8f, 0.6f, 0f], [0f, 0f, 1f]]);

    [Fact]
    public void Search_KeywordMode_ScoresAreZeroToOneAndVectorScoreAbsent()
    {
        // Act
        var hits = Index.Search("send back items", null, new SearchOptions(TopK: 3, Mode: SearchMode.Keyword));

        // Assert
        var top = hits[0];
        Assert.Equal("Returns", top.Chunk.Heading);
        Assert.InRange(top.Score, 0.01, 1);
        Assert.Equal(top.Score, top.KeywordScore);
        Assert.Null(top.VectorScore);
        Assert.Equal(1, top.Rank);
    }

    [Fact]
    public void Search_VectorMode_OrdersByCosine()
    {
        // Act
        var hits = Index.Search("anything", new float[] { 0.6f, 0.8f, 0f }, new SearchOptions(TopK: 3, Mode: SearchMode.Vector));

        // Assert
        Assert.Equal(["Returns", "Refunds"], hits.Select(h => h.Chunk.Heading));
        Assert.Equal(0.96, hits[0].Score, 4);
        Assert.Equal(0.6, hits[1].Score, 4);
    }

    [Fact]
    public void Search_HybridMode_FusesRanksAndScoresWithMeanOfBoth()
    {
        // Act: keywords point at Hours, the vector at Refunds then Returns
        var hits = Index.Search("open monday", new float[] { 1f, 0f, 0f }, new SearchOptions(TopK: 3, Mode: SearchMode.Hybrid));

        // Assert: Refunds 1/61 (vector first), Returns 1/62 (vector second), Hours 0.5/61 (keyword first, weighted half)
        Assert.Equal(["Refunds", "Returns", "Hours"], hits.Select(h => h.Chunk.Heading));
        Assert.Equal([1, 2, 3], hits.Select(h => h.Rank));
        var hours = hits[2];
        Assert.Equal((hours.KeywordScore!.Value + hours.VectorScore!.Value) / 2, hours.Score, 9);
    }

    [Fact]
    public void Search_HybridModeChineseQuestion_RankedByKeywordsAlone()
    {
        // Arrange: the (English-only) embedding points at the wrong chunk, the keywords at the right one.
        var index = new KnowledgeIndex(
            [C("退款", "退款一般 5 到 7 个工作日到账。"), C("退货", "签收后 30 天内可以退货。")],
            [[1f, 0f, 0f], [0f, 1f, 0f]]);

        // Act
        var hits = index.Search("退款要多久到账", new float[] { 0f, 1f, 0f }, new SearchOptions(TopK: 2, Mode: SearchMode.Hybrid));

        // Assert
        Assert.Equal("退款", hits[0].Chunk.Heading);
        Assert.All(hits, h => Assert.Null(h.VectorScore));
        Assert.Equal(hits[0].KeywordScore, hits[0].Score);
    }

    [Fact]
    public void Search_EnglishQuestion_NoVectorScoreForChineseChunks()
    {
        // Arrange: the Chinese chunk's (meaningless) embedding is the closest to the question's.
        var index = new KnowledgeIndex(
            [C("Refunds", "Money goes back to your card."), C("退款", "退款一般 5 到 7 个工作日到账。")],
            [[0.6f, 0.8f, 0f], [1f, 0f, 0f]]);

        // Act
        var hits = index.Search("refund", new float[] { 1f, 0f, 0f }, new SearchOptions(TopK: 2, Mode: SearchMode.Vector));

        // Assert
        Assert.Equal(["Refunds"], hits.Select(h => h.Chunk.Heading));
    }

    [Fact]
    public void Search_HybridModeEnglishQuestionQuotingOneCharacter_StillUsesTheEmbedding()
    {
        var hits = Index.Search("what does 退 mean for my refund", new float[] { 1f, 0f, 0f }, new SearchOptions(TopK: 3, Mode: SearchMode.Hybrid));

        Assert.NotNull(hits[0].VectorScore);
    }

    [Fact]
    public void Search_HybridMode_StrongKeywordAndVectorAgreementWins()
    {
        // Act: keywords and vector both point at Returns
        var hits = Index.Search("send items back", new float[] { 0.8f, 0.6f, 0f }, new SearchOptions(TopK: 3, Mode: SearchMode.Hybrid));

        // Assert
        Assert.Equal("Returns", hits[0].Chunk.Heading);
        Assert.True(hits[0].KeywordScore > 0);
        Assert.Equal(1.0, hits[0].VectorScore!.Value, 4);
    }

    [Fact]
    public void Search_MinScore_DropsWeakHits()
    {
        // Act
        var all = Index.Search("x", new float[] { 0.6f, 0.8f, 0f }, new SearchOptions(TopK: 3, Mode: SearchMode.Vector));
        var strong = Index.Search("x", new float[] { 0.6f, 0.8f, 0f }, new SearchOptions(TopK: 3, MinScore: 0.9, Mode: SearchMode.Vector));

        // Assert
        Assert.Equal(2, all.Count);
        Assert.Equal("Returns", Assert.Single(strong).Chunk.Heading);
    }

    [Fact]
    public void Search_TopK_LimitsResults()
    {
        // Act
        var hits = Index.Search("x", new float[] { 0.6f, 0.8f, 0.1f }, new SearchOptions(TopK: 1, Mode: SearchMode.Vector));

        // Assert
        Assert.Single(hits);
    }
}
