using WorkflowEngine.Caching.Semantic;

namespace WorkflowEngine.Tests.Caching.Semantic;

public sealed class SemanticMatcherTests(EmbeddingFixture fixture) : IClassFixture<EmbeddingFixture>
{
    private MatchDecision Compare(string asked, string? askedDocument, string cached, string? cachedDocument) =>
        fixture.Matcher().CompareAsync(fixture.Query(asked, askedDocument), fixture.Query(cached, cachedDocument)).AsTask().GetAwaiter().GetResult();

    private static void AssertFailed(MatchDecision decision, string check)
    {
        Assert.False(decision.IsHit, decision.Reason);
        Assert.Contains(decision.Checks, c => c.Name == check && !c.Passed);
    }

    [Fact]
    public void Compare_Paraphrase_Hit()
    {
        // Arrange / Act
        var decision = Compare("When will I get my money back?", "refunds", "How do I get a refund?", "refunds");

        // Assert
        Assert.True(decision.IsHit, decision.Reason);
        Assert.All(decision.Checks, c => Assert.True(c.Passed, c.Detail));
        Assert.Equal("How do I get a refund?", decision.Entry!.Question);
        Assert.InRange(decision.Similarity, 0.4, 1.0);
    }

    [Fact]
    public void Compare_SameTextAfterCleaning_ExactHit()
    {
        var decision = Compare("  HOW DO I GET A REFUND ???  ", null, "How do I get a refund?", null);

        Assert.True(decision.IsHit);
        Assert.Equal(1.0, decision.Similarity);
        Assert.Equal("exact", Assert.Single(decision.Checks).Name);
    }

    [Fact]
    public void Compare_RefundVersusReturn_MissOnRetrieval()
    {
        var decision = Compare("How do I return an item?", "returns", "How do I get a refund?", "refunds");

        AssertFailed(decision, "retrieval");
        Assert.Contains("refunds", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_CancelOrderVersusDeleteAccount_MissOnRetrieval()
    {
        var decision = Compare("How do I delete my account?", "delete-account", "How do I cancel my order?", "cancel-order");

        AssertFailed(decision, "retrieval");
    }

    [Fact]
    public void Compare_WarrantyAccidentalDamageVersusWearAndTear_MissOnSubstitution()
    {
        // Both retrieve the warranty article and are close in embedding space: only the swapped subject words differ.
        var decision = Compare("Does the warranty cover accidental damage?", "warranty", "Does the warranty cover wear and tear?", "warranty");

        AssertFailed(decision, "substitution");
        Assert.Contains(decision.Checks, c => c.Name == "similarity" && c.Passed);
    }

    [Fact]
    public async Task Compare_WarrantyWithoutPhraseEmbeddings_StillMiss()
    {
        var matcher = new SemanticMatcher(new SemanticMatchOptions());

        var decision = await matcher.CompareAsync(fixture.Query("Does the warranty cover accidental damage?", "warranty"),
            fixture.Query("Does the warranty cover wear and tear?", "warranty"));

        AssertFailed(decision, "substitution");
    }

    [Theory]
    [InlineData("Can't I return an item after opening it?", "Can I return an item after opening it?")]
    [InlineData("Can I return an item after opening it?", "Can't I return an item after opening it?")]
    [InlineData("Is shipping not free?", "Is shipping free?")]
    public void Compare_NegationDiffers_Miss(string asked, string cached)
    {
        var decision = Compare(asked, "returns", cached, "returns");

        AssertFailed(decision, "negation");
    }

    [Theory]
    [InlineData("Can I return an item within 14 days?", "Can I return an item within 30 days?")]
    [InlineData("Can I use two discount codes?", "Can I use three discount codes?")]
    [InlineData("Can I return 2 items?", "Can I return items?")]
    public void Compare_NumbersDiffer_Miss(string asked, string cached)
    {
        var decision = Compare(asked, "returns", cached, "returns");

        AssertFailed(decision, "numbers");
    }

    [Fact]
    public void Compare_CachedQuestionNamesAnotherPlace_Miss()
    {
        var decision = Compare("Do you deliver to Sweden?", "international-shipping", "Do you deliver to Norway?", "international-shipping");

        AssertFailed(decision, "entities");
    }

    [Fact]
    public void Compare_NewQuestionIsMoreGeneral_MissOnGeneralization()
    {
        // The answer to the specific question does not answer the general one.
        var decision = Compare("Where is my parcel?", "order-tracking", "Can my parcel go to a different address?", "order-tracking");

        AssertFailed(decision, "substitution");
    }

    [Fact]
    public void Compare_NothingRetrievedForEnglish_Miss()
    {
        var decision = Compare("What is the weather tomorrow?", null, "What is the weather today?", null);

        AssertFailed(decision, "retrieval");
    }

    [Fact]
    public async Task Decide_TwoAnswersAlmostEquallyClose_MissOnMargin()
    {
        // Arrange: two cached questions with different answers, nearly the same distance from the new one.
        var matcher = fixture.Matcher();
        var query = fixture.Query("How do I get a refund?", "refunds");
        var a = fixture.Entry("how do i get my refund", "refunds", "answer A");
        var b = fixture.Entry("how do i get a refund please", "refunds", "answer B");
        var candidates = new SemanticIndexBuilder().With(a).With(b).Search(query);

        // Act
        var decision = await matcher.DecideAsync(query, candidates);

        // Assert
        AssertFailed(decision, "margin");
    }

    [Fact]
    public async Task Decide_NoCandidates_MissWithReason()
    {
        var decision = await fixture.Matcher().DecideAsync(fixture.Query("How do I get a refund?", "refunds"), []);

        Assert.False(decision.IsHit);
        Assert.Null(decision.Entry);
        Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
    }

    [Fact]
    public void Decide_BelowThreshold_MissOnSimilarity()
    {
        var decision = Compare("What are your opening hours?", "contact-hours", "How do I get a refund?", "contact-hours");

        AssertFailed(decision, "similarity");
    }

    [Fact]
    public void Decide_HitRecordsEveryCheck()
    {
        var decision = Compare("how long does a refund take to arrive", "refunds", "how long does a refund take", "refunds");

        Assert.True(decision.IsHit, decision.Reason);
        var names = decision.Checks.Select(c => c.Name).ToList();
        Assert.Equal(["similarity", "retrieval", "margin", "negation", "numbers", "entities", "substitution"], names);
        Assert.All(decision.Checks, c => Assert.False(string.IsNullOrWhiteSpace(c.Detail)));
    }

    [Theory]
    [InlineData("怎么退款呢", "怎么退款")]
    [InlineData("退款需要多久", "退款要多久")]
    [InlineData("请问怎么退款？", "怎么退款")]
    public void Compare_ChineseParaphrase_HitOnBigrams(string asked, string cached)
    {
        var decision = Compare(asked, null, cached, null);

        Assert.True(decision.IsHit, decision.Reason);
    }

    [Theory]
    [InlineData("退货要多久", "退款要多久")] // return vs refund
    [InlineData("怎么退货", "怎么退款")]
    [InlineData("不能退款吗", "能退款吗")] // negation
    [InlineData("退款要3天吗", "退款要5天吗")] // numbers
    public void Compare_ChineseNearMiss_Miss(string asked, string cached)
    {
        var decision = Compare(asked, null, cached, null);

        Assert.False(decision.IsHit, decision.Reason);
    }

    [Fact]
    public void Compare_ChineseAgainstEnglish_Miss()
    {
        var decision = Compare("怎么退款", "refunds", "How do I get a refund?", "refunds");

        AssertFailed(decision, "similarity");
    }

    /// <summary>Builds candidates the way the cache does: through a <see cref="SemanticIndex"/>.</summary>
    private sealed class SemanticIndexBuilder
    {
        private readonly SemanticIndex _index = new();

        public SemanticIndexBuilder With(SemanticEntry entry)
        {
            _index.Add(entry, DateTimeOffset.MaxValue);
            return this;
        }

        public IReadOnlyList<SemanticCandidate> Search(SemanticQuery query) => _index.Search(query, 5);
    }
}
