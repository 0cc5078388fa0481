using WorkflowEngine.Text;

namespace WorkflowEngine.Tests.Text;

public sealed class SynonymMapTests
{
    private static readonly TextNormalization Defaults = new();

    [Fact]
    public void Apply_ChineseSynonym_ReplacesTheSegmentedWord()
    {
        // Arrange
        var map = SynonymMap.Create([("退钱", "退款")], Defaults);

        // Act / Assert
        Assert.Equal("我要退款", map.Apply("我要退钱"));
    }

    [Fact]
    public void Apply_ChineseSynonymInsideALongerWord_LeavesTheWordAlone()
    {
        // Arrange: 单号 (tracking number) → 订单号 (order number); 订单号 contains 单号 as characters, not as a word
        var map = SynonymMap.Create([("单号", "订单号")], Defaults);

        // Act / Assert
        Assert.Equal("订单号是多少", map.Apply("订单号是多少"));
        Assert.Equal("我的订单号丢了", map.Apply("我的单号丢了"));
    }

    [Fact]
    public void Apply_EnglishPhrase_WholeWordsOnly()
    {
        // Arrange
        var map = SynonymMap.Create([("money back", "refund"), ("back", "return")], Defaults);

        // Act / Assert
        Assert.Equal("can i get my refund feedback return", map.Apply("can i get my money back feedback back"));
    }
}
