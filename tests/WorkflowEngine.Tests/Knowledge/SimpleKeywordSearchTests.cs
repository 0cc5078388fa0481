using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Tests.Knowledge;

public sealed class SimpleKeywordSearchTests
{
    [Fact]
    public async Task SearchAsync_Query_RanksByShareOfMatchedTermsAndHonoursTopK()
    {
        // Arrange
        var search = new SimpleKeywordSearch();
        search.SetChunks("kb",
        [
            new KnowledgeChunk("a", "A", null, "refund policy for damaged items"),
            new KnowledgeChunk("b", "B", null, "refund"),
            new KnowledgeChunk("c", "C", null, "opening hours"),
        ]);

        // Act
        var hits = await search.SearchAsync("kb", "refund damaged", new SearchOptions(TopK: 2));

        // Assert
        Assert.Equal(["A", "B"], hits.Select(h => h.Chunk.DocumentName));
        Assert.Equal(1.0, hits[0].Score);
        Assert.Equal(0.5, hits[1].Score);
        Assert.Equal([1, 2], hits.Select(h => h.Rank));
    }

    [Fact]
    public async Task GetVersionAsync_SetChunksTwice_BumpsVersionAndUnknownIsNull()
    {
        // Arrange
        var search = new SimpleKeywordSearch();

        // Act
        search.SetChunks("kb", []);
        var first = await search.GetVersionAsync("kb");
        search.SetChunks("kb", []);
        var second = await search.GetVersionAsync("kb");
        var unknown = await search.GetVersionAsync("nope");

        // Assert
        Assert.Equal(1, first);
        Assert.Equal(2, second);
        Assert.Null(unknown);
    }
}
