using WorkflowEngine.Caching;
using WorkflowEngine.Caching.Semantic;
using WorkflowEngine.Knowledge;
using WorkflowTesting.CacheEval;

namespace WorkflowEngine.Tests.Caching.Semantic;

/// <summary>The default (calibrated, balanced) decision on the product's sample knowledge base with the real embedding models
/// and retrieval: one near-miss per adversarial kind of issue #14 must miss, and a paraphrase must hit. The sentences are
/// written for these tests (none is in the evaluation set).</summary>
public sealed class CalibratedDecisionTests(EmbeddingFixture fixture) : IClassFixture<EmbeddingFixture>
{
    private EvalKnowledgeBase? _kb;

    private EvalKnowledgeBase Kb => _kb ??= EvalKnowledgeBase.FromArticles(SampleKnowledgeBase.Articles.Select(a => (a.Name, a.Text)), fixture.Embedder);

    private SemanticQuery Query(string text, SemanticMatchOptions options)
    {
        var cleaned = EvalText.Clean(text);
        return Kb.Query(text, cleaned, fixture.Embedder.Embed(cleaned), options, fixture.Confirmation);
    }

    private MatchDecision Compare(string asked, string cached, SemanticMatchOptions? options = null)
    {
        options ??= new SemanticMatchOptions();
        return new SemanticMatcher(options, fixture.Phrase).CompareAsync(Query(asked, options), Query(cached, options)).AsTask().GetAwaiter().GetResult();
    }

    [Theory]
    [InlineData("same verb, other object", "How do I cancel my newsletter subscription?", "How do I cancel my order?")]
    [InlineData("same object, other verb", "How do I buy a gift card?", "How do I use a gift card?")]
    [InlineData("amounts", "Is shipping free on orders over 200 euros?", "How much does shipping cost?")]
    [InlineData("near-topic, out of scope", "Do you sell gift bags?", "Can I buy a gift card?")]
    [InlineData("negation", "I don't want my money back, I want another colour", "How do I get my money back?")]
    public void Compare_AdversarialNearMiss_Miss(string kind, string asked, string cached)
    {
        // Act
        var decision = Compare(asked, cached);

        // Assert
        Assert.False(decision.IsHit, $"{kind}: {decision.Reason}");
        Assert.NotNull(decision.HitProbability);
        Assert.True(decision.HitProbability < new SemanticMatchOptions().HitProbability.GetValueOrDefault(HitModel.Default.Threshold(MatchStrictness.Balanced)) || !decision.Checks.All(c => c.Passed),
            decision.Reason);
    }

    [Fact]
    public void Compare_Paraphrase_HitWithItsProbability()
    {
        // Act
        var decision = Compare("退款需要多久", "退款要多久");

        // Assert
        Assert.True(decision.IsHit, decision.Reason);
        Assert.InRange(decision.HitProbability!.Value, HitModel.Default.Threshold(MatchStrictness.Balanced), 1.0);
        Assert.Contains(decision.Checks, c => c.Name == "probability" && c.Passed);
    }

    [Fact]
    public void Compare_StrictnessOrdersThresholds_LenientServesWhatBalancedRefuses()
    {
        // Arrange
        var model = HitModel.Default;

        // Act
        var balanced = Compare("how long until I see my refund", "When will I get my money back?");
        var lenient = Compare("how long until I see my refund", "When will I get my money back?", new SemanticMatchOptions { HitProbability = 0.5 });

        // Assert: one probability, compared with each strictness's threshold.
        Assert.True(model.Threshold(MatchStrictness.Lenient) <= model.Threshold(MatchStrictness.Balanced));
        Assert.True(model.Threshold(MatchStrictness.Balanced) < model.Threshold(MatchStrictness.Strict));
        Assert.Equal(balanced.HitProbability, lenient.HitProbability);
        Assert.Equal(balanced.HitProbability >= model.Threshold(MatchStrictness.Balanced), balanced.IsHit);
    }

    [Fact]
    public void Default_EmbeddedModel_MatchesTheFeatureLayout()
    {
        var model = HitModel.Default;

        Assert.Equal(HitFeatures.Names, model.Features);
        Assert.Equal(HitFeatures.Names.Count, model.Weights.Count);
        Assert.Contains("tuning part", model.Provenance, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => HitModel.FromJson(model.ToJson().Replace("\"similarity\"", "\"cosine\"", StringComparison.Ordinal)));
    }
}
