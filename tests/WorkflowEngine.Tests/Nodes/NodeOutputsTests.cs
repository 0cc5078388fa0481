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
            w.WriteString("text", text);
            w.WriteNumber("similarity", 0.8125);
            w.WriteBoolean("hit", true);
        });
        var fromObject = NodeOutputs.From(new { text = Awkward, similarity = 0.8125, hit = true });

        // Assert: the same outputs as the serializer makes, readable as they were written.
        Assert.Equal(Awkward, written.GetString("text"));
        Assert.Equal(fromObject.ToJson(), written.ToJson());
        Assert.Contains("退款", written.ToJson());
    }

    [Fact]
    public void Write_CalledAgainOnTheSameThread_EarlierOutputsUnchanged()
    {
        // Arrange
        var first = NodeOutputs.Write("first answer", static (w, text) => w.WriteString("text", text));

        // Act: the per-thread buffer is written again, longer.
        var second = NodeOutputs.Write(new string('x', 5000), static (w, text) => w.WriteString("text", text));

        // Assert
        Assert.Equal("first answer", first.GetString("text"));
        Assert.Equal(5000, second.GetString("text")!.Length);
    }

    [Fact]
    public void TryWriteRaw_CopiesTheValueUnderAnotherName_OrSaysThereIsNone()
    {
        // Arrange
        var gate = NodeOutputs.From(new { hit = true, answer = Awkward });
        var copiedFound = false;
        var missingFound = true;

        // Act
        var copied = NodeOutputs.Write(gate, (w, outputs) => copiedFound = outputs.TryWriteRaw(w, "answer", "text"));
        NodeOutputs.Write(gate, (w, outputs) => missingFound = outputs.TryWriteRaw(w, "nothing", "text"));

        // Assert
        Assert.True(copiedFound);
        Assert.False(missingFound);
        Assert.Equal(Awkward, copied.GetString("text"));
        Assert.Equal(JsonValueKind.Object, copied.Value.ValueKind);
    }

    [Fact]
    public void Write_BuildingOtherOutputsInsideWrite_BothComeOutWhole()
    {
        // Act: a writer that builds other outputs while its own are half written (same thread, same per-thread buffer).
        NodeOutputs? inner = null;
        var outer = NodeOutputs.Write("outer", (w, text) =>
        {
            w.WriteString("before", text);
            inner = NodeOutputs.Write("inner", static (iw, t) => iw.WriteString("text", t));
            w.WriteString("after", text);
        });

        // Assert
        Assert.Equal("{\"before\":\"outer\",\"after\":\"outer\"}", outer.ToJson());
        Assert.Equal("inner", inner!.GetString("text"));
    }
}
