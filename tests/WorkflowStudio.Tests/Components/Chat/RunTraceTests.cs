using Bunit;
using WorkflowStudio.Components.Chat;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Tests.Components.Chat;

public sealed class RunTraceTests : StudioTestContext
{
    [Fact]
    public void Render_Trace_ShowsOutcomeLevelTimeTokensAndSavedPerNode()
    {
        // Arrange
        IReadOnlyList<RunTraceEntry> trace =
        [
            new("clean", "clean", "Clean the question", "succeeded", "bypass", null, 0.4, null, null, null, "{\"text\":\"hi\"}", null, null),
            new("cache", "cache", "Answer cache", "succeeded", "hit", "L2", 2, null, null, 1600, "{\"hit\":true}", null,
                new Dictionary<string, string> { ["matchedQuestion"] = "how do i reset my password", ["similarity"] = "0.93" }),
            new("llm", "llm", "Ask the model", "skipped", null, null, 0, null, null, null, null, "The cache answered.", null),
            new("answer", "answer", "Answer", "failed", null, null, 5, 12, 40, null, null, "The answer template is broken.", null),
        ];

        // Act
        var cut = Render<RunTrace>(p => p.Add(x => x.Trace, trace));

        // Assert
        var rows = cut.FindAll("tr.wf-trace-row");
        Assert.Equal(4, rows.Count);
        Assert.Equal(["ran", "HIT", "skipped", "failed"], rows.Select(r => r.GetAttribute("data-outcome")!));
        var hit = rows[1].Children.Select(c => c.TextContent.Trim()).ToList();
        Assert.Equal("HIT", hit[1]);
        Assert.Equal("L2", hit[2]);
        Assert.Equal("2 ms", hit[3]);
        Assert.Equal("1.6 s", hit[5]);
        Assert.Equal("12 in · 40 out", rows[3].Children[4].TextContent.Trim());
        Assert.Contains("how do i reset my password", cut.Markup);
        Assert.Contains("The answer template is broken.", cut.Markup);
        Assert.Contains("{\"hit\":true}", cut.Find("table.wf-trace").TextContent);
    }

    [Fact]
    public void Render_HostileOutputPreview_IsEscaped()
    {
        // Arrange
        IReadOnlyList<RunTraceEntry> trace =
        [
            new("llm", "llm", "<img src=x onerror=alert(1)>", "succeeded", "miss", null, 800, 1, 2, null, "<script>alert(1)</script>", null, null),
        ];

        // Act
        var cut = Render<RunTrace>(p => p.Add(x => x.Trace, trace));

        // Assert
        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
        Assert.Contains("&lt;script&gt;", cut.Markup);
    }
}
