using WorkflowEngine.Caching.Semantic;
using WorkflowEngine.Knowledge;
using WorkflowTesting.CacheEval;

namespace WorkflowEngine.Tests.Caching.Semantic;

/// <summary>The evaluation tool (bench/CacheEval) in CI: the product's own sample knowledge base and its question set,
/// replayed through the semantic matcher and the cosine baselines. Checks that the numbers are computed and the
/// precision floor holds; speed is measured by the benchmark, not here.</summary>
public sealed class CacheEvalSmokeTests(EmbeddingFixture fixture) : IClassFixture<EmbeddingFixture>
{
    [Fact]
    public void RunMatcher_SampleKnowledgeBase_PrecisionFloorHolds()
    {
        // Arrange
        var kb = EvalKnowledgeBase.FromArticles(SampleKnowledgeBase.Articles.Select(a => (a.Name, a.Text)), fixture.Embedder);
        var dataset = FaqDataset.FromQuestionSet(SampleKnowledgeBase.LoadQuestions());
        var questions = dataset.ReplayOrder(seed: 42);
        var eval = new CacheEvaluation(fixture.Embedder, kb, fixture.Confirmation);

        // Act
        var matcher = eval.RunMatcher(questions, new SemanticMatchOptions());
        var baselines = new[] { 0.70, 0.80, 0.90 }.Select(t => eval.RunBaseline(questions, t)).ToList();

        // Assert: every question was replayed and counted.
        Assert.Equal(questions.Count, matcher.Questions);
        Assert.True(matcher.Paraphrases > 0 && dataset.OutOfScope.Count > 0);
        Assert.Equal(matcher.Questions, matcher.LlmCalls + matcher.Hits);
        Assert.True(matcher.LlmCalls >= dataset.Intents.Count, "every canonical question is a miss on an empty cache");
        Assert.True(matcher.LatencyP95Ms > 0 && matcher.LatencyP95Ms >= matcher.LatencyP50Ms);
        Assert.All(baselines, b => Assert.Equal(questions.Count, b.Questions));

        // Assert: the floor (≥ 99 % of hits correct, no out-of-scope hit).
        Assert.True(matcher.HitPrecision >= 0.99, $"hit precision {matcher.HitPrecision:P1}:\n{matcher.WrongHits()}");
        Assert.Equal(0, matcher.OutOfScopeHits);
        Assert.True(matcher.Hits > 0, "the matcher served no paraphrase at all");
        Assert.True(matcher.ParaphrasesServed > baselines.Max(b => b.ParaphrasesServed), "the matcher served no more paraphrases than a plain threshold");
    }

    [Fact]
    public void RunMatcher_SampleKnowledgeBaseInChinese_RetrievesArticlesAndPrecisionFloorHolds()
    {
        // Arrange: the articles' Chinese sections and the Chinese question set.
        var kb = EvalKnowledgeBase.FromArticles(SampleKnowledgeBase.Articles.Select(a => (a.Name, a.Text)), fixture.Embedder);
        var dataset = FaqDataset.FromQuestionSet(SampleKnowledgeBase.LoadChineseQuestions());
        var questions = dataset.ReplayOrder(seed: 42);
        var eval = new CacheEvaluation(fixture.Embedder, kb, fixture.Confirmation);

        // Act
        var retrievedRight = questions.Where(q => q.Intent is not null)
            .Count(q => kb.TopDocument(EvalText.Clean(q.Text), fixture.Embedder.Embed(EvalText.Clean(q.Text))).Document == q.Intent);
        var nothingFound = dataset.OutOfScope.Count(q => kb.TopDocument(EvalText.Clean(q), fixture.Embedder.Embed(EvalText.Clean(q))).Document is null);
        var matcher = eval.RunMatcher(questions, new SemanticMatchOptions());

        // Assert: every question is Chinese, and keyword retrieval finds the article for most of them (0 of 80 when the
        // English-only embedding took part in ranking them).
        Assert.All(questions, q => Assert.True(q.IsCjk, q.Text));
        var inScope = questions.Count(q => q.Intent is not null);
        Assert.True(retrievedRight >= inScope * 3 / 4, $"the right article for {retrievedRight}/{inScope}");
        Assert.Equal(dataset.OutOfScope.Count, nothingFound);

        // Assert: the floor.
        Assert.Equal(questions.Count, matcher.Questions);
        Assert.True(matcher.HitPrecision >= 0.99, $"hit precision {matcher.HitPrecision:P1}:\n{matcher.WrongHits()}");
        Assert.Equal(0, matcher.OutOfScopeHits);
        Assert.True(matcher.Hits > 0, "the matcher served no Chinese paraphrase at all");
    }
}
