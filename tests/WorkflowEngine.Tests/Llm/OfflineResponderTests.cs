using Microsoft.Extensions.AI;
using WorkflowEngine.Llm;

namespace WorkflowEngine.Tests.Llm;

public sealed class OfflineResponderTests
{
    private static readonly OfflineSource ReturnsArticle = new(
        "# Returns\nYou can return any item within 30 days of delivery. Refunds are paid to your original payment method within 5 working days. " +
        "Sale items can be exchanged but not refunded.\n- Opened software cannot be returned.",
        "Returns and refunds");

    [Fact]
    public void Compose_EnglishQuestion_PicksTheBestMatchingSentenceOfTheTopChunk()
    {
        // Arrange
        var sources = new[] { ReturnsArticle, new OfflineSource("Refunds for gift cards are paid in 10 days.", "Gift cards") };

        // Act
        var answer = OfflineResponder.Compose("How many days until my refund is paid?", sources);

        // Assert
        Assert.Equal(OfflineResponder.Label + "Refunds are paid to your original payment method within 5 working days. (Source: Returns and refunds)", answer);
    }

    [Fact]
    public void Compose_QuestionMatchingTwoSentences_KeepsDocumentOrder()
    {
        // Arrange
        var source = new OfflineSource("Delivery takes 2 days. We are closed on Sundays. Express delivery costs 5 euros and takes 1 day.");

        // Act
        var answer = OfflineResponder.Compose("express delivery days", [source]);

        // Assert
        Assert.Equal(OfflineResponder.Label + "Delivery takes 2 days. Express delivery costs 5 euros and takes 1 day.", answer);
    }

    [Fact]
    public void Compose_ChineseQuestion_MatchesBySegmentedWords()
    {
        // Arrange
        var source = new OfflineSource("我们支持七天无理由退货。退款会在收到退货后三个工作日内原路退回。运费由买家承担。", "退换货政策");

        // Act
        var answer = OfflineResponder.Compose("退款多久到账？什么时候原路退回", [source]);

        // Assert
        Assert.Equal(OfflineResponder.Label + "退款会在收到退货后三个工作日内原路退回。 (Source: 退换货政策)", answer);
    }

    [Fact]
    public void Compose_NoOverlap_FallsBackToTheOpeningOfTheTopChunk()
    {
        // Arrange
        var source = new OfflineSource("First fact. Second fact. Third fact.");

        // Act
        var answer = OfflineResponder.Compose("zzz qqq", [source]);

        // Assert
        Assert.Equal(OfflineResponder.Label + "First fact. Second fact.", answer);
    }

    [Fact]
    public void Compose_ChineseQuestionWithNoSources_SaysItInChinese()
    {
        var answer = OfflineResponder.Compose("今天天气怎么样", []);

        Assert.Equal(OfflineResponder.Label + OfflineResponder.NoInformationChinese, answer);
    }

    [Fact]
    public void Compose_NoSources_SaysItHasNoInformation()
    {
        // Act
        var answer = OfflineResponder.Compose("Where is my parcel?", []);

        // Assert
        Assert.Equal("(Offline answer from the knowledge base) I have no information on that in the knowledge base.", answer);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_WithContext_StreamsTheAnswerWordByWord()
    {
        // Arrange
        var responder = new OfflineResponder();
        var options = new ChatOptions();
        OfflineResponder.SetContext(options, "How long do refunds take?", [ReturnsArticle]);
        var pieces = new List<string>();

        // Act
        await foreach (var update in responder.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "ignored prompt")], options))
        {
            if (update.Text.Length > 0)
            {
                pieces.Add(update.Text);
            }
        }

        // Assert
        var expected = OfflineResponder.Compose("How long do refunds take?", [ReturnsArticle]);
        Assert.Equal(expected, string.Concat(pieces));
        Assert.Equal(OfflineResponder.SplitWords(expected).Count, pieces.Count);
        Assert.Equal("(Offline", pieces[0]);
        Assert.Equal(" answer", pieces[1]);
    }

    [Fact]
    public async Task GetResponseAsync_WithoutContext_UsesLastUserMessageAndHasNoInformation()
    {
        // Arrange
        var responder = new OfflineResponder();

        // Act
        var response = await responder.GetResponseAsync([new ChatMessage(ChatRole.User, "Do you sell bikes?")]);

        // Assert
        Assert.Equal(OfflineResponder.Label + OfflineResponder.NoInformation, response.Text);
        Assert.Equal(OfflineResponder.ModelId, response.ModelId);
    }

    [Fact]
    public void SplitWords_MixedText_PiecesAddUpToTheText()
    {
        // Arrange
        const string text = "Refunds 退款 take  5 days.\n";

        // Act
        var pieces = OfflineResponder.SplitWords(text);

        // Assert
        Assert.Equal(text, string.Concat(pieces));
        Assert.Equal(["Refunds", " 退", "款", " take", "  5", " days.\n"], pieces);
    }

    [Fact]
    public void Compose_MarkdownFileAsSource_NamesItWithoutExtension()
    {
        // Arrange
        var source = new OfflineSource("Gift cards are valid for 3 years.", "gift-cards.md", "Gift cards");

        // Act
        var answer = OfflineResponder.Compose("how long is a gift card valid", [source]);

        // Assert
        Assert.Equal(OfflineResponder.Label + "Gift cards are valid for 3 years. (Source: gift-cards)", answer);
    }

    [Fact]
    public void Terms_ChineseSentence_AreSegmentedWordsNotCharacterPairs()
    {
        // Act
        var terms = OfflineResponder.Terms("退款会在收到退货后三个工作日内原路退回").ToList();

        // Assert: words (退款, 退货, 收到) and no pair across a word boundary (款会, 货后)
        Assert.Contains("退款", terms);
        Assert.Contains("退货", terms);
        Assert.Contains("收到", terms);
        Assert.DoesNotContain("款会", terms);
        Assert.DoesNotContain("货后", terms);
    }
}
