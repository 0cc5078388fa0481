using WorkflowEngine.Knowledge;
using WorkflowEngine.Nodes.Types;

namespace WorkflowEngine.Tests.Nodes.Types;

public sealed class RetrieveNodeTests
{
    private static SimpleKeywordSearch CreateSearch()
    {
        var search = new SimpleKeywordSearch();
        search.SetChunks("kb",
        [
            new KnowledgeChunk("d1", "Refunds", "Refunds", "Refunds reach your card within 5 to 7 working days."),
            new KnowledgeChunk("d2", "Delivery", "Delivery times", "Standard delivery takes 2 to 4 working days."),
            new KnowledgeChunk("d3", "退款", null, "退款会在五个工作日内退回原支付方式。"),
        ]);
        return search;
    }

    [Fact]
    public async Task ExecuteAsync_MatchingQuery_ReturnsContextChunksAndFound()
    {
        // Arrange
        var harness = new NodeHarness().With("clean", new { text = "how long do refunds take" });
        var definition = NodeHarness.Definition("retrieve", "retrieve", new { knowledgeBaseId = "kb", topK = 2 });

        // Act
        var result = await harness.RunAsync(new RetrieveNode(CreateSearch()), definition);

        // Assert
        Assert.False(result.IsNotFound);
        Assert.True(result.Outputs.Get<bool>("found"));
        Assert.StartsWith("Refunds reach your card", result.Outputs.GetString("context"));
        var chunks = result.Outputs.Get<List<ChunkDto>>("chunks")!;
        Assert.Equal("Refunds", chunks[0].DocumentName);
        Assert.InRange(chunks[0].Score, 0.01, 1);
        Assert.True(chunks.Count <= 2);
    }

    [Fact]
    public async Task ExecuteAsync_ChineseQuery_FindsChineseChunk()
    {
        // Arrange
        var harness = new NodeHarness().With("clean", new { text = "怎么退款" });

        // Act
        var result = await harness.RunAsync(new RetrieveNode(CreateSearch()), NodeHarness.Definition("retrieve", "retrieve", new { knowledgeBaseId = "kb" }));

        // Assert
        Assert.Contains("退款会在五个工作日内", result.Outputs.GetString("context"));
    }

    [Fact]
    public async Task ExecuteAsync_NothingAboveMinScore_IsNotFound()
    {
        // Arrange
        var harness = new NodeHarness().With("clean", new { text = "asdkjh qwe zzz" });

        // Act
        var result = await harness.RunAsync(new RetrieveNode(CreateSearch()), NodeHarness.Definition("retrieve", "retrieve", new { knowledgeBaseId = "kb", minScore = 0.5 }));

        // Assert
        Assert.True(result.IsNotFound);
        Assert.False(result.Outputs.Get<bool>("found"));
        Assert.Equal("", result.Outputs.GetString("context"));
    }

    [Fact]
    public async Task PrepareAsync_KnowledgeBaseChanges_InputIdentityChanges()
    {
        // Arrange
        var search = CreateSearch();
        var node = new RetrieveNode(search);
        var harness = new NodeHarness().With("clean", new { text = "refunds" });
        var definition = NodeHarness.Definition("retrieve", "retrieve", new { knowledgeBaseId = "kb" });
        var before = (await harness.PrepareAsync(node, definition)).InputIdentity;

        // Act
        search.SetChunks("kb", [new KnowledgeChunk("d1", "Refunds", null, "Refunds now take 3 days.")]);
        var after = (await harness.PrepareAsync(node, definition)).InputIdentity;

        // Assert
        Assert.Equal(new RetrieveNode.Input("kb", 1, "refunds"), before);
        Assert.Equal(new RetrieveNode.Input("kb", 2, "refunds"), after);
    }

    [Fact]
    public async Task PrepareAsync_UnknownKnowledgeBase_ThrowsPlainMessage()
    {
        // Arrange
        var harness = new NodeHarness().With("clean", new { text = "refunds" });

        // Act
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await harness.PrepareAsync(new RetrieveNode(CreateSearch()), NodeHarness.Definition("retrieve", "retrieve", new { knowledgeBaseId = "gone" })));

        // Assert
        Assert.Equal("The knowledge base 'gone' does not exist (any more): pick another one in the step's settings.", ex.Message);
    }

    [Fact]
    public async Task PrepareAsync_KnowledgeBaseInItsFirstIndexing_RefusesWithHowFarItGot()
    {
        // Arrange
        var search = new FirstIndexingSearch(CreateSearch(), new FirstIndexing("kb", "Help centre", 3, 10));
        var harness = new NodeHarness().With("clean", new { text = "refunds" });

        // Act
        var ex = await Assert.ThrowsAsync<WorkflowEngine.Execution.NodeExecutionException>(async () =>
            await harness.PrepareAsync(new RetrieveNode(search), NodeHarness.Definition("retrieve", "retrieve", new { knowledgeBaseId = "kb" })));

        // Assert
        Assert.EndsWith(": “Help centre” is still being indexed (3 of 10 documents ready). Try again in a few seconds.", ex.Message);
        Assert.Equal("retrieve", ex.NodeId);
    }

    [Fact]
    public void ValidateSettings_BadValues_ReportsEachProblem()
    {
        // Arrange
        var definition = NodeHarness.Definition("retrieve", "retrieve", new { knowledgeBaseId = "", topK = 0, minScore = 2.0, mode = "fuzzy" });

        // Act
        var problems = new RetrieveNode(CreateSearch()).ValidateSettings(definition).ToList();

        // Assert
        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Contains("knowledge base"));
        Assert.Contains(problems, p => p.Contains("top K"));
        Assert.Contains(problems, p => p.Contains("minimum score"));
        Assert.Contains(problems, p => p.Contains("'fuzzy'"));
    }

    private sealed class FirstIndexingSearch(IKnowledgeSearch inner, FirstIndexing indexing) : IKnowledgeSearch
    {
        public ValueTask<long?> GetVersionAsync(string knowledgeBaseId, CancellationToken cancellationToken = default) => inner.GetVersionAsync(knowledgeBaseId, cancellationToken);

        public ValueTask<IReadOnlyList<ScoredChunk>> SearchAsync(string knowledgeBaseId, string query, SearchOptions options, CancellationToken cancellationToken = default) =>
            inner.SearchAsync(knowledgeBaseId, query, options, cancellationToken);

        public ValueTask<FirstIndexing?> GetFirstIndexingAsync(string knowledgeBaseId, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<FirstIndexing?>(knowledgeBaseId == indexing.KnowledgeBaseId ? indexing : null);
    }

    private sealed record ChunkDto(string DocumentName, string? Heading, string Text, double Score);
}
