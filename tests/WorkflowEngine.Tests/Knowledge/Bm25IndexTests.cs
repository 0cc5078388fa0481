using WorkflowEngine.Knowledge;
using WorkflowEngine.Text;

namespace WorkflowEngine.Tests.Knowledge;

public sealed class Bm25IndexTests
{
    private static Bm25Index Build(params string[] docs) => new([.. docs.Select(d => (IReadOnlyList<string>)WordTokenizer.SearchTerms(d))]);

    [Fact]
    public void Score_RareTermMatch_RanksAboveCommonTermMatch()
    {
        // Arrange: "order" is everywhere, "invoice" in one document only
        var index = Build(
            "Your order ships today. Order tracking is in your account.",
            "Download the invoice for your order.",
            "Cancel an order within one hour.",
            "Change the order address.");

        // Act
        var (scores, _) = index.Score(WordTokenizer.SearchTerms("order invoice"));

        // Assert
        var best = scores.MaxBy(s => s.Value).Key;
        Assert.Equal(1, best);
    }

    [Fact]
    public void Score_SameTermCount_ShorterDocumentScoresHigher()
    {
        // Arrange
        var index = Build(
            "refund",
            "refund policy with many other unrelated words about parcels colours sizes and delivery",
            "nothing relevant here");

        // Act
        var (scores, _) = index.Score(WordTokenizer.SearchTerms("refund"));

        // Assert
        Assert.True(scores[0] > scores[1]);
        Assert.False(scores.ContainsKey(2));
    }

    [Fact]
    public void Score_RepeatedTerm_SaturatesBelowCeiling()
    {
        // Arrange
        var index = Build("gift gift gift gift gift gift gift gift", "gift card", "other text", "more text");

        // Act
        var (scores, ceiling) = index.Score(["gift"]);

        // Assert
        Assert.True(scores[0] > scores[1]);
        Assert.True(scores[0] < ceiling);
        Assert.Equal(index.Idf("gift") * (Bm25Index.K1 + 1), ceiling, 9);
    }

    [Fact]
    public void Score_ChinesePairsFoundNowhere_DoNotLowerTheCeiling()
    {
        // Arrange: "退款要多久" is cut into 退/款/要/多/久 and 退款/款要/要多/多久; only 退款 is a pair of the documents.
        var index = new Bm25Index([WordTokenizer.SearchTerms("退款一般五天到账，要等久一点"), WordTokenizer.SearchTerms("退货很简单")]);
        var query = WordTokenizer.SearchTerms("退款要多久");

        // Act
        var (_, ceiling) = index.Score(query);
        var (_, ceilingOfKnownTerms) = index.Score([.. query.Where(t => t is not ("款要" or "要多" or "多久"))]);

        // Assert: unknown single characters still count (a character the knowledge base lacks is a real difference).
        Assert.Equal(ceilingOfKnownTerms, ceiling, 9);
        Assert.True(index.Score(WordTokenizer.SearchTerms("退款要多久吗")).Ceiling > ceiling);
    }

    [Fact]
    public void Score_EnglishQuery_UnchangedByAddingChineseDocuments()
    {
        // Arrange: the same English documents, alone and with a Chinese translation of each.
        string[] english = ["Refunds go back to your card within 5 days.", "Returns are free within 30 days."];
        string[] chinese = ["退款会在 5 天内退回到您的银行卡。", "30 天内退货免费。"];
        var alone = new Bm25Index([.. english.Select(WordTokenizer.SearchTerms)]);
        var mixed = new Bm25Index([.. english.Concat(chinese).Select(WordTokenizer.SearchTerms)]);
        var query = WordTokenizer.SearchTerms("how many days until my refund");

        // Act
        var (aloneScores, aloneCeiling) = alone.Score(query);
        var (mixedScores, mixedCeiling) = mixed.Score(query);

        // Assert: same normalised keyword scores for the English documents.
        Assert.Equal(aloneScores[0] / aloneCeiling, mixedScores[0] / mixedCeiling, 9);
        Assert.Equal(aloneScores[1] / aloneCeiling, mixedScores[1] / mixedCeiling, 9);
    }

    [Fact]
    public void Idf_UnknownTerm_IsHigherThanKnownTerm()
    {
        // Arrange
        var index = Build("alpha beta", "alpha gamma");

        // Act / Assert
        Assert.True(index.Idf("zeta") > index.Idf("beta"));
        Assert.True(index.Idf("beta") > index.Idf("alpha"));
        Assert.True(index.Idf("alpha") > 0);
    }
}
