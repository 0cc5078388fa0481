using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Tests.Knowledge;

public sealed class KnowledgeTokenizerTests
{
    [Fact]
    public void Tokenize_EnglishSentence_LowercasesDropsStopWordsAndStems()
    {
        // Act
        var terms = KnowledgeTokenizer.Tokenize("How do I get my REFUNDS for the shipping charges?");

        // Assert
        Assert.Equal(["refund", "ship", "charg"], terms);
    }

    [Theory]
    [InlineData("refunded", "refund")]
    [InlineData("refunding", "refund")]
    [InlineData("deliveries", "delivery")]
    [InlineData("boxes", "box")]
    [InlineData("address", "address")]
    [InlineData("shipped", "ship")]
    [InlineData("charge", "charg")]
    public void Stem_InflectedWord_MeetsItsBaseForm(string word, string stem)
    {
        // Act / Assert
        Assert.Equal(stem, KnowledgeTokenizer.Stem(word));
    }

    [Fact]
    public void Tokenize_ChineseText_ReturnsCharacterUnigramsAndBigrams()
    {
        // Act
        var terms = KnowledgeTokenizer.Tokenize("怎么退款？");

        // Assert
        Assert.Equal(["怎", "怎么", "么", "么退", "退", "退款", "款"], terms);
    }

    [Fact]
    public void Tokenize_MixedChineseAndEnglish_SplitsAtScriptChange()
    {
        // Act
        var terms = KnowledgeTokenizer.Tokenize("PayPal退款");

        // Assert
        Assert.Equal(["paypal", "退", "退款", "款"], terms);
    }

    [Fact]
    public void Tokenize_FullWidthCharacters_AreNormalised()
    {
        // Act
        var terms = KnowledgeTokenizer.Tokenize("ＲＥＦＵＮＤ １０");

        // Assert
        Assert.Equal(["refund", "10"], terms);
    }
}
