using WorkflowEngine.Text;

namespace WorkflowEngine.Tests.Text;

public sealed class WordTokenizerTests
{
    [Fact]
    public void SearchTerms_EnglishSentence_LowercasesDropsStopWordsAndStems()
    {
        // Act
        var terms = WordTokenizer.SearchTerms("How do I get my REFUNDS for the shipping charges?");

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
    [InlineData("damaged", "damag")]
    [InlineData("saved", "sav")]
    [InlineData("save", "sav")]
    public void Stem_InflectedWord_MeetsItsBaseForm(string word, string stem)
    {
        // Act / Assert
        Assert.Equal(stem, EnglishStemmer.Stem(word));
    }

    [Fact]
    public void SearchTerms_ChineseText_ReturnsCharacterUnigramsAndBigrams()
    {
        // Act
        var terms = WordTokenizer.SearchTerms("怎么退款？");

        // Assert
        Assert.Equal(["怎", "怎么", "么", "么退", "退", "退款", "款"], terms);
    }

    [Fact]
    public void SearchTerms_MixedChineseAndEnglish_SplitsAtScriptChange()
    {
        // Act
        var terms = WordTokenizer.SearchTerms("PayPal退款");

        // Assert
        Assert.Equal(["paypal", "退", "退款", "款"], terms);
    }

    [Fact]
    public void SearchTerms_FullWidthCharacters_AreNormalised()
    {
        // Act
        var terms = WordTokenizer.SearchTerms("ＲＥＦＵＮＤ １０");

        // Assert
        Assert.Equal(["refund", "10"], terms);
    }

    [Fact]
    public void Words_EnglishQuestion_KeepsCaseAndApostrophesDropsPossessive()
    {
        // Act
        var words = WordTokenizer.Words("Can't I return my X200's box for 3.5 euros?");

        // Assert
        Assert.Equal(["Can't", "I", "return", "my", "X200", "box", "for", "3.5", "euros"], words);
        Assert.Equal("cant", WordTokenizer.Fold(words[0]));
    }

    [Fact]
    public void ContentTerms_English_StemmedWithoutFunctionWords()
    {
        // Act
        var terms = WordTokenizer.ContentTerms("How do I get my refunds for damaged items?").ToList();

        // Assert
        Assert.Equal(["refund", "damag", "item"], terms);
    }

    [Fact]
    public void ContentTerms_Chinese_SegmentedWordsWithoutFrameWords()
    {
        // Act
        var terms = WordTokenizer.ContentTerms("我想申请退款，订单还没发货").ToList();

        // Assert: words, not character pairs; 我/想 (the question frame) left out
        Assert.Contains("退款", terms);
        Assert.Contains("订单", terms);
        Assert.Contains("发货", terms);
        Assert.DoesNotContain("我", terms);
        Assert.DoesNotContain("款订", terms);
    }

    [Fact]
    public void StopWords_ChineseFrameWord_HasNoSubject()
    {
        // Act / Assert
        Assert.True(StopWords.IsChineseFrameWord("可以"));
        Assert.True(StopWords.IsChineseFrameWord("不能"));
        Assert.False(StopWords.IsChineseFrameWord("退款"));
    }
}
