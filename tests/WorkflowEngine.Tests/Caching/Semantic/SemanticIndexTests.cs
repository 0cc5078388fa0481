using Microsoft.Extensions.Time.Testing;
using WorkflowEngine.Caching.Semantic;

namespace WorkflowEngine.Tests.Caching.Semantic;

public sealed class SemanticIndexTests(EmbeddingFixture fixture) : IClassFixture<EmbeddingFixture>
{
    [Fact]
    public void Search_SeveralEntries_NearestFirst()
    {
        // Arrange
        var index = new SemanticIndex();
        foreach (var q in new[] { "What are your opening hours?", "How do I get a refund?", "Can I pay with PayPal?", "When will I get my money back?" })
        {
            index.Add(fixture.Entry(q, null), DateTimeOffset.MaxValue);
        }

        // Act
        var found = index.Search(fixture.Query("how can i get a refund", null), 3);

        // Assert
        Assert.Equal(3, found.Count);
        Assert.Equal("How do I get a refund?", found[0].Entry.Question);
        Assert.True(found[0].Similarity >= found[1].Similarity && found[1].Similarity >= found[2].Similarity);
    }

    [Fact]
    public void Search_ExpiredEntry_Skipped()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var index = new SemanticIndex(time);
        index.Add(fixture.Entry("How do I get a refund?", null), time.GetUtcNow().AddMinutes(10));

        time.Advance(TimeSpan.FromMinutes(11));
        var found = index.Search(fixture.Query("How do I get a refund?", null), 3);

        Assert.Empty(found);
    }

    [Fact]
    public void Add_SameId_Replaces()
    {
        var index = new SemanticIndex();
        index.Add(fixture.Entry("How do I get a refund?", null, "old", id: "x"), DateTimeOffset.MaxValue);

        index.Add(fixture.Entry("How do I get a refund?", null, "new", id: "x"), DateTimeOffset.MaxValue);

        Assert.Equal(1, index.Count);
        Assert.Equal("new", index.Search(fixture.Query("How do I get a refund?", null), 5).Single().Entry.Answer);
    }

    [Fact]
    public void Remove_OnlyEntryThenAddAgain_SearchableAgain()
    {
        // Arrange: the one entry of a scope is reported wrong, and its question is answered and cached again.
        var index = new SemanticIndex();
        index.Add(fixture.Entry("How do I get a refund?", null, "old", id: "x"), DateTimeOffset.MaxValue);

        // Act
        var removed = index.Remove("x");
        var gone = index.Search(fixture.Query("How do I get a refund?", null), 5);
        index.Add(fixture.Entry("How do I get a refund?", null, "new", id: "x"), DateTimeOffset.MaxValue);

        // Assert
        Assert.True(removed);
        Assert.Empty(gone);
        Assert.False(index.Remove("unknown"));
        Assert.Equal("new", index.Search(fixture.Query("How do I get a refund?", null), 5).Single().Entry.Answer);
    }

    [Fact]
    public void Add_ManyEntries_AllSearchable()
    {
        // Arrange: more than the initial capacity, added one by one (append path and growth path).
        var index = new SemanticIndex();
        var baseEntry = fixture.Entry("How do I get a refund?", null);
        for (var i = 0; i < 100; i++)
        {
            var v = (float[])baseEntry.Embedding.Clone();
            v[i % v.Length] += 0.5f;
            index.Add(baseEntry with { Id = $"e{i}", Question = $"question {i}", Embedding = v }, DateTimeOffset.MaxValue);
        }

        // Act
        var found = index.Search(new SemanticQuery("question 42", "question 42", index.Search(fixture.Query("How do I get a refund?", null), 100).Single(c => c.Entry.Id == "e42").Entry.Embedding, null), 1);

        // Assert
        Assert.Equal(100, index.Count);
        Assert.Equal("e42", found.Single().Entry.Id);
        Assert.Equal(1.0, found.Single().Similarity, 3);
    }

    [Fact]
    public void Search_ChineseQuery_RanksByCharacterBigrams()
    {
        var index = new SemanticIndex();
        index.Add(fixture.Entry("怎么退货", null), DateTimeOffset.MaxValue);
        index.Add(fixture.Entry("退款要多久", null), DateTimeOffset.MaxValue);
        index.Add(fixture.Entry("How do I get a refund?", null), DateTimeOffset.MaxValue);

        var found = index.Search(fixture.Query("退款需要多久", null), 3);

        Assert.Equal("退款要多久", found[0].Entry.Question);
        Assert.Equal(0, found.Single(c => c.Entry.Question.StartsWith("How", StringComparison.Ordinal)).Similarity);
    }
}
