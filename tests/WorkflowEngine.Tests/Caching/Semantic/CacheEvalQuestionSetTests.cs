using System.Security.Cryptography;
using System.Text;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Text;
using WorkflowTesting.CacheEval;

namespace WorkflowEngine.Tests.Caching.Semantic;

/// <summary>The shape of issue #14's evaluation set (questions-eval.json) and the stability of its sealed split. Reads the
/// file only: no model is loaded.</summary>
public sealed class CacheEvalQuestionSetTests
{
    private static readonly string[] Categories =
        ["paraphrase", "same-verb-other-object", "same-object-other-verb", "amount-condition", "near-topic-out-of-scope", "negation", "follow-up", "off-topic"];

    private static readonly string[] NeverAnArticle = ["near-topic-out-of-scope", "follow-up", "off-topic"];

    private readonly EvalQuestionSet _set = EvalQuestionSet.LoadEmbedded();

    [Fact]
    public void LoadEmbedded_QuestionSet_HasAtLeast300DistinctItemsAnd60Chinese()
    {
        // Assert
        Assert.True(_set.Items.Count >= 300, $"{_set.Items.Count} items");
        Assert.Equal(_set.Items.Count, _set.Items.Select(i => i.Id).Distinct().Count());
        Assert.Equal(_set.Items.Count, _set.Items.Select(i => EvalText.Clean(i.Text)).Distinct().Count());
        Assert.True(_set.Items.Count(i => i.Language == "zh") >= 60);
        Assert.All(_set.Items, i => Assert.Contains(i.Language, new[] { "en", "zh" }));
        Assert.All(_set.Items, i => Assert.Equal(i.Language == "zh", CjkText.Contains(i.Text)));
    }

    [Fact]
    public void LoadEmbedded_EveryIntent_IsAnArticleOfTheSampleKnowledgeBase()
    {
        // Arrange
        var articles = SampleKnowledgeBase.Articles.Select(a => Path.GetFileNameWithoutExtension(a.Name)).ToHashSet(StringComparer.Ordinal);

        // Assert: a warm-cache question per article, and every expected intent is an article.
        Assert.Equal(articles.Order(StringComparer.Ordinal), _set.Canonical.Keys.Order(StringComparer.Ordinal));
        Assert.All(_set.Canonical.Values, c => Assert.True(!string.IsNullOrWhiteSpace(c.English) && CjkText.Contains(c.Chinese)));
        Assert.All(_set.Items.Where(i => i.Intent is not null), i => Assert.Contains(i.Intent!, articles));
    }

    [Fact]
    public void LoadEmbedded_Categories_AreKnownAndTheirIntentsConsistent()
    {
        // Assert
        Assert.All(_set.Items, i => Assert.Contains(i.Category, Categories));
        Assert.All(_set.Items.Where(i => i.Category == EvalQuestionSet.ParaphraseCategory), i => Assert.NotNull(i.Intent));
        Assert.All(_set.Items.Where(i => NeverAnArticle.Contains(i.Category)), i => Assert.Null(i.Intent));
        Assert.All(_set.Canonical.Keys, intent => Assert.Contains(_set.Items, i => i.Intent == intent && i.Category == EvalQuestionSet.ParaphraseCategory && i.Language == "zh"));
    }

    [Fact]
    public void LoadEmbedded_EachCategoryAndLanguage_HasBothSplits()
    {
        // Assert
        Assert.All(_set.Items, i => Assert.Contains(i.Split, new[] { EvalQuestionSet.Tune, EvalQuestionSet.Sealed }));
        foreach (var language in new[] { "en", "zh" })
        {
            foreach (var category in Categories)
            {
                var splits = _set.Items.Where(i => i.Language == language && i.Category == category).Select(i => i.Split).ToHashSet();
                Assert.True(splits.SetEquals([EvalQuestionSet.Tune, EvalQuestionSet.Sealed]), $"{language}/{category}: {string.Join(", ", splits)}");
            }
        }
    }

    [Fact]
    public void LoadEmbedded_Split_IsTheOneRecordedWhenTheSetWasWritten()
    {
        // Arrange: the split was made once (scripts/cache-eval-questions.py, seed 14); any re-split or moved item changes these.
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", _set.Items.Select(i => $"{i.Id}:{i.Split}")))));

        // Assert
        Assert.Equal(14, _set.Seed);
        Assert.Equal(216, _set.Items.Count(i => i.Split == EvalQuestionSet.Tune));
        Assert.Equal(215, _set.Items.Count(i => i.Split == EvalQuestionSet.Sealed));
        Assert.Equal(44, _set.Items.Count(i => i.Split == EvalQuestionSet.Tune && i.Language == "zh"));
        Assert.Equal(44, _set.Items.Count(i => i.Split == EvalQuestionSet.Sealed && i.Language == "zh"));
        Assert.Equal("c2ce4b00da8b8ce36a0ce7acfcf1343c56a1cc379c87cd4a0dbea99e4a4bc02f", fingerprint);
    }

    [Fact]
    public void ReplayOrder_SameSeed_SameQuestionsInTheSameOrder()
    {
        // Act
        var first = _set.ReplayOrder(EvalQuestionSet.Sealed, seed: 42);
        var second = _set.ReplayOrder(EvalQuestionSet.Sealed, seed: 42);

        // Assert
        Assert.Equal(215, first.Count);
        Assert.Equal(first.Select(q => q.Text), second.Select(q => q.Text));
        Assert.Equal(2 * _set.Canonical.Count, _set.Warm().Count);
    }
}
