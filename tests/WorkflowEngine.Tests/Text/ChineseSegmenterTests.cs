using WorkflowEngine.Text;

namespace WorkflowEngine.Tests.Text;

public sealed class ChineseSegmenterTests
{
    [Fact]
    public void DictionaryDirectory_InTheBuildOutput_HoldsJiebasFiles()
    {
        // The build copies the dictionary next to the assemblies (WorkflowEngine.csproj): nothing to download or set up.
        Assert.StartsWith(AppContext.BaseDirectory, ChineseSegmenter.DictionaryDirectory, StringComparison.Ordinal);
        foreach (var file in (string[])["dict.txt", "prob_trans.json", "prob_emit.json", "char_state_tab.json"])
        {
            Assert.True(File.Exists(Path.Combine(ChineseSegmenter.DictionaryDirectory, file)), file);
        }
    }

    [Fact]
    public void Segment_ChineseQuestion_GivesWords()
    {
        // Act
        var words = ChineseSegmenter.Segment("我想申请退款，订单还没发货");

        // Assert
        Assert.Equal(["我", "想", "申请", "退款", "，", "订单", "还", "没", "发货"], words);
        Assert.True(ChineseSegmenter.IsLoaded);
    }

    [Fact]
    public void Segment_MixedScripts_KeepsTheLatinWordWhole()
    {
        // Act
        var words = ChineseSegmenter.CjkWords("可以用PayPal付款吗").ToList();

        // Assert
        Assert.Equal(["可以", "用", "付款", "吗"], words);
    }

    [Fact]
    public void Segment_NoChinese_IsEmpty()
    {
        Assert.Empty(ChineseSegmenter.Segment("How long does a refund take?"));
        Assert.Empty(ChineseSegmenter.Segment(null));
    }

    [Fact]
    public void Boundaries_CompoundWord_HasNoBoundaryInside()
    {
        // Act: 订单号 (order number) is one word
        var boundaries = ChineseSegmenter.Boundaries("订单号是多少");

        // Assert
        Assert.Contains(0, boundaries);
        Assert.Contains(3, boundaries);
        Assert.DoesNotContain(1, boundaries);
        Assert.Contains(6, boundaries);
    }

    [Fact]
    public void Segment_ManyThreadsAtOnce_SameWordsAsOneThread()
    {
        // Arrange
        string[] texts = ["退款要多久才能到账", "礼品卡的余额怎么查", "我的快递到哪了", "怎么注销账户", "收到的商品坏了怎么办"];
        var expected = texts.Select(t => string.Join('/', ChineseSegmenter.Segment(t + "。"))).ToArray();

        // Act: new texts each time, so the segmenter itself runs concurrently rather than its remembered results
        var results = new string[64][];
        Parallel.For(0, results.Length, i =>
            results[i] = [.. texts.Select(t => string.Join('/', ChineseSegmenter.Segment(t + new string('。', 1 + i % 7))).TrimEnd('/', '。'))]);

        // Assert
        var trimmed = expected.Select(e => e.TrimEnd('/', '。')).ToArray();
        Assert.All(results, r => Assert.Equal(trimmed, r));
    }
}
