using System.Text.Json;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Tests.Nodes;

public sealed class NodeOutputsTests
{
    private const string Awkward = "Line one \"quoted\"\nback\\slash, it's 退款 <b>&</b> +1 😀";

    [Fact]
    public void Write_TextThatNeedsEscaping_ReadsBackAsWrittenAndMatchesFrom()
    {
        // Act
        var written = NodeOutputs.Write(Awkward, static (w, text) =>
        {
            w.String("text", text);
            w.Number("similarity", 0.8125);
            w.Boolean("hit", true);
        });
        var fromObject = NodeOutputs.From(new { text = Awkward, similarity = 0.8125, hit = true });

        // Assert: the same JSON as the serializer makes, and the same answers from every reader.
        Assert.Equal(fromObject.ToJson(), written.ToJson());
        Assert.Equal(Awkward, written.GetString("text"));
        Assert.Equal("0.8125", written.GetString("similarity"));
        Assert.Equal("true", written.GetString("hit"));
        Assert.True(written.GetBoolean("hit"));
        Assert.Null(written.GetBoolean("text"));
        Assert.Null(written.GetString("missing"));
        Assert.Equal(0.8125, written.Get<double>("similarity"));
        Assert.Equal(["text", "similarity", "hit"], written.Names);
        Assert.True(written.Utf8.SequenceEqual(fromObject.Utf8));
        Assert.Contains("退款", written.ToJson());
        foreach (var outputs in new[] { written, fromObject })
        {
            Assert.True(outputs.TryGetString("text", out var text));
            Assert.Equal(Awkward, text);
            Assert.False(outputs.TryGetString("similarity", out _));
            Assert.False(outputs.TryGetString("hit", out _));
            Assert.False(outputs.TryGetString("missing", out _));
        }
    }

    [Fact]
    public void Write_StringOutput_ReadBackIsTheSameStringNotACopy()
    {
        // Arrange: a long answer, as a cached run hands it from the gate to the answer step.
        var answer = string.Concat(Enumerable.Repeat("Refunds take five days.\n", 200));

        // Act
        var outputs = NodeOutputs.Write(answer, static (w, text) => w.String("answer", text));

        // Assert
        Assert.Same(answer, outputs.GetString("answer"));
    }

    [Fact]
    public void Write_CalledAgainOnTheSameThread_EarlierOutputsUnchanged()
    {
        // Arrange
        var first = NodeOutputs.Write("first answer", static (w, text) => w.String("text", text));

        // Act: the per-thread buffer is written again, longer.
        var second = NodeOutputs.Write(new string('x', 5000), static (w, text) => w.String("text", text));

        // Assert
        Assert.Equal("{\"text\":\"first answer\"}", first.ToJson());
        Assert.Equal("first answer", first.Value.GetProperty("text").GetString());
        Assert.Equal(5000, second.GetString("text")!.Length);
    }

    [Fact]
    public void Write_BuildingOtherOutputsInsideWrite_BothComeOutWhole()
    {
        // Act: a writer that builds other outputs while its own are half written (same thread, same per-thread buffer).
        NodeOutputs? inner = null;
        var outer = NodeOutputs.Write("outer", (w, text) =>
        {
            w.String("before", text);
            inner = NodeOutputs.Write("inner", static (iw, t) => iw.String("text", t));
            w.String("after", text);
        });

        // Assert
        Assert.Equal("{\"before\":\"outer\",\"after\":\"outer\"}", outer.ToJson());
        Assert.Equal("inner", inner!.GetString("text"));
    }

    [Fact]
    public async Task Value_ReadFirstOnManyThreadsAtOnce_OneElementForAll()
    {
        // Arrange: written outputs are parsed on first need; a cached result is read by concurrent runs.
        var outputs = NodeOutputs.Write(Awkward, static (w, text) => w.String("text", text));
        using var start = new ManualResetEventSlim();

        // Act
        var reads = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.Wait();
            return outputs.Value.GetProperty("text").GetString();
        })).ToArray();
        start.Set();
        var texts = await Task.WhenAll(reads);

        // Assert
        Assert.All(texts, t => Assert.Equal(Awkward, t));
        Assert.Equal(JsonValueKind.Object, outputs.Value.ValueKind);
    }
}
