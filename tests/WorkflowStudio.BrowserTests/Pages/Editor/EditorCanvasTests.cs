using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.BrowserTests.Pages.Editor;

/// <summary>What the user sees when the editor opens the sample bot, before touching anything.</summary>
[Collection(StudioBrowserCollection.Name)]
public sealed class EditorCanvasTests(StudioBrowserFixture studio)
{
    /// <summary>For every drawn link: its id, its path's length, and how far (in screen px) its two ends are from the rims of
    /// the ports it joins (links start on a port's circle, not its centre). Ports are found by their data-port-id, which the designer derives from the link's edge.</summary>
    private const string MeasureLinksScript = """
        () => Array.from(document.querySelectorAll('g.diagram-link[data-link-id]')).map(g => {
            const id = g.getAttribute('data-link-id');
            const [from, fromPort, to] = id.substring('link:'.length).split('|');
            const path = g.querySelector('path');
            const d = path ? path.getAttribute('d') || '' : '';
            const centre = portId => {
                const el = document.querySelector(`[data-port-id="${portId}"]`);
                if (!el) return null;
                const r = el.getBoundingClientRect();
                return { x: r.left + r.width / 2, y: r.top + r.height / 2, r: r.width / 2 };
            };
            const source = centre(fromPort ? `${from}::out:${fromPort}` : `${from}::out`);
            const target = centre(`${to}::in`);
            let length = 0, startGap = -1, endGap = -1;
            if (path && d.length > 0 && source && target) {
                length = path.getTotalLength();
                const m = path.getScreenCTM();
                const a = path.getPointAtLength(0).matrixTransform(m);
                const b = path.getPointAtLength(length).matrixTransform(m);
                startGap = Math.max(0, Math.hypot(a.x - source.x, a.y - source.y) - source.r);
                endGap = Math.max(0, Math.hypot(b.x - target.x, b.y - target.y) - target.r);
            }
            return { id, d: d.length, length, startGap, endGap };
        })
        """;

    /// <summary>The path stops where the arrowhead begins (10 px at 100 % zoom); the arrow's tip touches the input port.</summary>
    private const double ArrowAllowance = 10;

    [Fact]
    public async Task SampleBot_OnOpenWithoutInteraction_DrawsEveryLinkFromPortToPort()
    {
        // Arrange
        var store = studio.Server.Services.GetRequiredService<WorkflowStore>();
        var sample = (await store.ListAsync()).First(w => w.Name == "FAQ bot (sample)");
        var graph = (await store.GetAsync(sample.Id))!.Graph;

        // Act: open the editor and only wait (up to 5 s) for the links to settle.
        var page = await studio.OpenAsync($"/workflows/{sample.Id}");
        await page.Locator(".wf-node[data-node-id=llm]").WaitForAsync();
        var links = await MeasureUntilAsync(page, graph.Edges.Length, TimeSpan.FromSeconds(5));
        var shot = await StudioBrowserFixture.ScreenshotAsync(page, "editor-sample-bot-opened");

        // Assert: one drawn link per edge, each a real curve that starts and ends on its ports.
        var report = $"{shot}: " + string.Join("; ", links.Select(l => l.ToString()));
        Assert.Equal(graph.Edges.Length, links.Count);
        Assert.All(links, l =>
        {
            Assert.True(l.D > 0, $"link {l.Id} has no path. {report}");
            Assert.True(l.Length > 10, $"link {l.Id} is degenerate. {report}");
            Assert.True(l.StartGap <= 2, $"link {l.Id} starts away from its port. {report}");
            Assert.True(l.EndGap <= ArrowAllowance, $"link {l.Id} ends away from its port. {report}");
        });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SampleBot_OnOpen_ShowsEveryCardInsideTheCanvasAtAReadableZoom()
    {
        // Arrange
        var store = studio.Server.Services.GetRequiredService<WorkflowStore>();
        var sample = (await store.ListAsync()).First(w => w.Name == "FAQ bot (sample)");
        var graph = (await store.GetAsync(sample.Id))!.Graph;

        // Act
        var page = await studio.OpenAsync($"/workflows/{sample.Id}");
        await page.Locator(".wf-node[data-node-id=llm]").WaitForAsync();
        var canvas = (await page.GetByTestId("canvas").BoundingBoxAsync())!;
        var cards = new List<(string Id, LocatorBoundingBoxResult Box)>();
        foreach (var node in graph.Nodes)
        {
            cards.Add((node.Id, (await page.Locator($".wf-node[data-node-id={node.Id}]").BoundingBoxAsync())!));
        }

        // Assert: every card lies wholly inside the canvas, drawn at 60 % of its size or more (220 px wide at 100 %), and no two overlap.
        Assert.All(cards, c =>
        {
            Assert.True(c.Box.X >= canvas.X && c.Box.Y >= canvas.Y
                && c.Box.X + c.Box.Width <= canvas.X + canvas.Width && c.Box.Y + c.Box.Height <= canvas.Y + canvas.Height,
                $"{c.Id} at ({c.Box.X}, {c.Box.Y}, {c.Box.Width}×{c.Box.Height}) is not inside the canvas ({canvas.X}, {canvas.Y}, {canvas.Width}×{canvas.Height})");
            Assert.True(c.Box.Width >= 0.6 * 220, $"{c.Id} is drawn {c.Box.Width} px wide: too small to read");
        });
        foreach (var a in cards)
        {
            foreach (var b in cards.Where(b => string.CompareOrdinal(a.Id, b.Id) < 0))
            {
                var overlap = a.Box.X < b.Box.X + b.Box.Width && b.Box.X < a.Box.X + a.Box.Width
                    && a.Box.Y < b.Box.Y + b.Box.Height && b.Box.Y < a.Box.Y + a.Box.Height;
                Assert.False(overlap, $"{a.Id} overlaps {b.Id}");
            }
        }
        await page.Context.CloseAsync();
    }

    private static async Task<List<LinkMeasure>> MeasureUntilAsync(IPage page, int expected, TimeSpan timeout)
    {
        List<LinkMeasure> links = [];
        try
        {
            await WorkflowTesting.Eventually.WaitUntilAsync(async () =>
            {
                var json = await page.EvaluateAsync<JsonElement>(MeasureLinksScript);
                links = [.. json.EnumerateArray().Select(l => new LinkMeasure(
                    l.GetProperty("id").GetString()!, l.GetProperty("d").GetInt32(), l.GetProperty("length").GetDouble(),
                    l.GetProperty("startGap").GetDouble(), l.GetProperty("endGap").GetDouble()))];
                return links.Count == expected && links.All(l => l.D > 0 && l.Length > 10 && l.StartGap is >= 0 and <= 2 && l.EndGap is >= 0 and <= ArrowAllowance);
            }, timeout, "the links to settle", TimeSpan.FromMilliseconds(100));
        }
        catch (TimeoutException)
        {
            // The caller's assertions on the last measurement say which link is off.
        }
        return links;
    }

    private sealed record LinkMeasure(string Id, int D, double Length, double StartGap, double EndGap);
}
