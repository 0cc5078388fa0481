using WorkflowEngine.Nodes.Types;

namespace WorkflowEngine.Tests.Nodes.Types;

public sealed class CleanNodeTests
{
    private static readonly CleanNode.Config Defaults = new();

    [Theory]
    [InlineData("How do I get a refund?")]
    [InlineData("  HOW DO I GET A REFUND ???  ")]
    [InlineData("ＨＯＷ　ＤＯ　Ｉ　ＧＥＴ　Ａ　ＲＥＦＵＮＤ？")]
    [InlineData("how do i get a refund!!!")]
    [InlineData("How   do I\tget a\nrefund...")]
    public void Normalize_VariantsOfOneQuestion_GiveOneText(string question)
    {
        // Act
        var text = CleanNode.Normalize(question, Defaults);

        // Assert
        Assert.Equal("how do i get a refund", text);
    }

    [Fact]
    public void Normalize_FullWidthLettersAndDigits_BecomeHalfWidth()
    {
        // Act
        var text = CleanNode.Normalize("Ｏｒｄｅｒ　１２３４５", Defaults with { Lowercase = false });

        // Assert
        Assert.Equal("Order 12345", text);
    }

    [Fact]
    public void Normalize_CjkPunctuation_IsRemovedAndChineseKept()
    {
        // Act
        var text = CleanNode.Normalize("你好，我想退货。怎么办？！「急」；（谢谢）《说明》、好的…", Defaults);

        // Assert
        Assert.Equal("你好我想退货怎么办急谢谢说明好的", text);
    }

    [Fact]
    public void Normalize_ChineseWithoutPunctuation_IsUnchanged()
    {
        // Act
        var text = CleanNode.Normalize("怎么申请退款", Defaults);

        // Assert
        Assert.Equal("怎么申请退款", text);
    }

    [Fact]
    public void Normalize_AsciiPunctuationBetweenWords_LeavesOneSpace()
    {
        // Act
        var text = CleanNode.Normalize("refund,please;now(really)", Defaults);

        // Assert
        Assert.Equal("refund please now really", text);
    }

    [Fact]
    public void Normalize_ApostropheInWordAndDecimalPoint_AreKept()
    {
        // Act
        var text = CleanNode.Normalize("Don't charge me 3.50 euros!", Defaults);

        // Assert
        Assert.Equal("don't charge me 3.50 euros", text);
    }

    [Fact]
    public void Normalize_ChineseSynonym_IsReplacedAsSubstring()
    {
        // Arrange
        var config = Defaults with { Synonyms = [new("退钱", "退款")] };

        // Act
        var text = CleanNode.Normalize("我要退钱！", config);

        // Assert
        Assert.Equal("我要退款", text);
    }

    [Fact]
    public void Normalize_LatinSynonym_ReplacesWholeWordsOnly()
    {
        // Arrange
        var config = Defaults with { Synonyms = [new("Money back", "refund"), new("back", "return")] };

        // Act
        var text = CleanNode.Normalize("Can I get my MONEY BACK? Send feedback back.", config);

        // Assert
        Assert.Equal("can i get my refund send feedback return", text);
    }

    [Fact]
    public void Normalize_ChainedSynonyms_AreAppliedInOnePass()
    {
        // Arrange
        var config = Defaults with { Synonyms = [new("a1", "b1"), new("b1", "c1")] };

        // Act
        var text = CleanNode.Normalize("a1 b1", config);

        // Assert
        Assert.Equal("b1 c1", text);
    }

    [Fact]
    public void Normalize_EveryStepOff_ReturnsTheTextUnchanged()
    {
        // Arrange
        var config = new CleanNode.Config { Trim = false, Nfkc = false, Lowercase = false, StripPunctuation = false, CollapseWhitespace = false };
        const string input = "  Ｈｅｌｌｏ,   World？ 你好。 ";

        // Act
        var text = CleanNode.Normalize(input, config);

        // Assert
        Assert.Equal(input, text);
    }

    [Fact]
    public void Normalize_OnlyCollapseWhitespace_KeepsCaseAndPunctuation()
    {
        // Arrange
        var config = new CleanNode.Config { Trim = false, Nfkc = false, Lowercase = false, StripPunctuation = false, CollapseWhitespace = true };

        // Act
        var text = CleanNode.Normalize("A \t\n  B?", config);

        // Assert
        Assert.Equal("A B?", text);
    }

    [Fact]
    public async Task ExecuteAsync_DefaultInput_CleansTheStartQuery()
    {
        // Arrange
        var harness = new NodeHarness().With("start", new { query = "  ＷＨＥＲＥ is my PARCEL？ " });
        var definition = NodeHarness.Definition("clean", "clean", new { synonyms = new[] { new { from = "parcel", to = "package" } } });

        // Act
        var prepared = await harness.PrepareAsync(new CleanNode(), definition);
        var result = await prepared.ExecuteAsync(CancellationToken.None);

        // Assert
        Assert.Equal("where is my package", result.Outputs.GetString("text"));
        Assert.Equal("  ＷＨＥＲＥ is my PARCEL？ ", prepared.InputIdentity);
    }

    [Fact]
    public void ValidateSettings_EmptySynonym_ReportsIt()
    {
        // Arrange
        var definition = NodeHarness.Definition("clean", "clean", new { synonyms = new[] { new { from = "", to = "x" } } });

        // Act
        var problems = new CleanNode().ValidateSettings(definition).ToList();

        // Assert
        Assert.Equal(["Synonym 1 has nothing to replace: fill in 'from'."], problems);
    }

    [Fact]
    public void GetReferences_DefaultInput_ReferencesStartQuery()
    {
        // Act
        var references = new CleanNode().GetReferences(NodeHarness.Definition("clean", "clean"));

        // Assert
        Assert.Equal([new WorkflowEngine.Nodes.VariableReference("start", "query", "input")], references);
    }
}
