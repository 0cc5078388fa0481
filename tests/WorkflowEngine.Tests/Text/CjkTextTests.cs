using WorkflowEngine.Text;

namespace WorkflowEngine.Tests.Text;

public sealed class CjkTextTests
{
    [Theory]
    [InlineData("退款要多久？", true)]
    [InlineData("返品できますか", true)] // kana
    [InlineData("환불은 얼마나 걸려요", true)] // hangul
    [InlineData("𠀀", true)] // CJK extension B: a surrogate pair
    [InlineData("How do I get a refund?", false)]
    [InlineData("Ünïcödé façade", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Contains_ScriptsWithoutSpaces_AreCjk(string? text, bool expected) =>
        Assert.Equal(expected, CjkText.Contains(text));

    [Theory]
    [InlineData("可以用PayPal付款吗", true)]
    [InlineData("退款", true)]
    [InlineData("The character 退 means to return something", false)]
    [InlineData("refund please", false)]
    public void IsMostlyCjk_FourOtherLettersPerCjkCharacterAtMost(string text, bool expected) =>
        Assert.Equal(expected, CjkText.IsMostlyCjk(text));

    [Fact]
    public void IsCjk_HalfOfASurrogatePair_IsNot()
    {
        // Arrange
        var extensionB = "𠀀";

        // Act + Assert
        Assert.False(CjkText.IsCjk(extensionB[0]));
        Assert.True(CjkText.IsCjk('退'));
        Assert.False(CjkText.IsCjk('a'));
    }
}
