using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.BrowserTests.Pages.Editor;

[Collection(StudioBrowserCollection.Name)]
public sealed class EditorPageTests(StudioBrowserFixture studio)
{
    [Fact]
    public async Task SampleBot_DragNodeConnectAndCtrlS_SavesNextVersionWithNodeAndEdge()
    {
        // Arrange: a copy of the sample bot, so other tests see the original.
        var store = studio.Server.Services.GetRequiredService<WorkflowStore>();
        var sample = (await store.ListAsync()).First(w => w.Name == "FAQ bot (sample)");
        var original = (await store.GetAsync(sample.Id))!;
        var copy = await store.CreateAsync(original.Graph with { Name = "Editor test bot" });
        var page = await studio.OpenAsync($"/workflows/{copy.Id}");
        await page.Locator(".wf-node[data-node-id=llm]").WaitForAsync();
        await StudioBrowserFixture.ScreenshotAsync(page, "editor-sample-bot");
        var cleanBefore = await page.GetByTestId("save-state").GetAttributeAsync("data-dirty");

        // Act: drag "Prompt template" from the palette onto an empty part of the canvas.
        var canvas = page.GetByTestId("canvas");
        var canvasBox = (await canvas.BoundingBoxAsync())!;
        await page.Locator(".wf-palette-item[data-node-type=template]")
            .DragToAsync(canvas, new() { TargetPosition = new() { X = 160, Y = canvasBox.Height - 120 } });
        var added = page.Locator(".wf-node[data-node-id=template2]");
        await added.WaitForAsync();
        var dirtyAfterDrop = await page.GetByTestId("save-state").GetAttributeAsync("data-dirty");
        // Unconnected, the new step "can never run". Waiting for the (debounced) check also lets the problems panel settle
        // before the ports' places are read for the drag.
        var problems = page.GetByTestId("problems-panel");
        await Assertions.Expect(problems.GetByText("can never run")).ToHaveCountAsync(1);

        // Act: connect clean's output to the new node's input by dragging port to port.
        await DragAsync(page, page.Locator(".wf-node[data-node-id=clean] .wf-port-out"), added.Locator(".wf-port-in"));
        await page.Locator(".wf-node[data-node-id=template2] .wf-port-in.has-links").WaitForAsync();
        // Connected, the new step is no longer "never runs"; what is left is its empty template.
        await Assertions.Expect(problems.GetByText("can never run")).ToHaveCountAsync(0);
        await Assertions.Expect(problems.GetByText("The template is empty")).ToHaveCountAsync(1);
        await StudioBrowserFixture.ScreenshotAsync(page, "editor-node-added");

        // Act: Ctrl+S.
        await page.Keyboard.PressAsync("Control+s");
        await page.Locator("[data-testid=save-state][data-dirty=false]").WaitForAsync();

        // Assert
        Assert.Equal("false", cleanBefore);
        Assert.Equal("true", dirtyAfterDrop);
        var saved = (await store.GetAsync(copy.Id))!;
        Assert.Equal(copy.Version + 1, saved.Version);
        var node = saved.Graph.FindNode("template2");
        Assert.NotNull(node);
        Assert.Equal("template", node.Type);
        Assert.Contains(new Edge("clean", "template2"), saved.Graph.Edges);
        Assert.True(saved.Graph.Layout.ContainsKey("template2"));
        Assert.Equal(original.Graph.Edges.Length + 1, saved.Graph.Edges.Length);
        Assert.Equal((copy.Version + 1).ToString(), await page.GetByTestId("editor").GetAttributeAsync("data-version"));
        Assert.Empty(studio.Server.Problems);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ConnectionMakingALoop_IsRefusedWithAHint()
    {
        // Arrange
        var store = studio.Server.Services.GetRequiredService<WorkflowStore>();
        var sample = (await store.ListAsync()).First(w => w.Name == "FAQ bot (sample)");
        var page = await studio.OpenAsync($"/workflows/{sample.Id}");
        await page.Locator(".wf-node[data-node-id=cache]").WaitForAsync();

        // Act: the gate comes after "clean", so miss → clean would loop.
        await DragAsync(page, page.Locator(".wf-node[data-node-id=cache] .wf-port-miss"), page.Locator(".wf-node[data-node-id=clean] .wf-port-in"));

        // Assert
        await page.Locator(".mud-snackbar", new() { HasText = "loop" }).WaitForAsync();
        Assert.Equal("false", await page.GetByTestId("save-state").GetAttributeAsync("data-dirty"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DeleteKey_RemovesTheSelectedNode_AndCtrlZBringsItBack()
    {
        // Arrange
        var store = studio.Server.Services.GetRequiredService<WorkflowStore>();
        var sample = (await store.ListAsync()).First(w => w.Name == "FAQ bot (sample)");
        var page = await studio.OpenAsync($"/workflows/{sample.Id}");
        var clean = page.Locator(".wf-node[data-node-id=clean]");
        await clean.WaitForAsync();

        // Act: select the node on the canvas and press Delete.
        await clean.ClickAsync();
        await page.GetByTestId("node-title").WaitForAsync();
        await page.Keyboard.PressAsync("Delete");
        await clean.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        var dirtyAfterDelete = await page.GetByTestId("save-state").GetAttributeAsync("data-dirty");

        // Act: undo.
        await page.Keyboard.PressAsync("Control+z");
        await clean.WaitForAsync();

        // Assert
        Assert.Equal("true", dirtyAfterDelete);
        Assert.Equal("false", await page.GetByTestId("save-state").GetAttributeAsync("data-dirty"));
        Assert.Equal(sample.Version, (await store.GetAsync(sample.Id))!.Version);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LeavingWithUnsavedChanges_AsksOnceStayKeepsThePageAndLeaveLeaves()
    {
        // Arrange: an unsaved change (a deleted node) on a copy of the sample.
        var store = studio.Server.Services.GetRequiredService<WorkflowStore>();
        var (copy, page) = await OpenCopyWithUnsavedChangeAsync("Leave test bot");
        var question = page.GetByText("Leave without saving?");

        // Act 1: navigate away, and again while the question is open (as Back would), then stay.
        await page.EvaluateAsync("() => Blazor.navigateTo('/runs')");
        await question.First.WaitForAsync();
        await page.EvaluateAsync("() => Blazor.navigateTo('/knowledge-bases')");
        await Task.Delay(300);
        var questionsOpen = await question.CountAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Stay" }).ClickAsync();
        await question.First.WaitForAsync(new() { State = WaitForSelectorState.Hidden });
        var urlAfterStay = page.Url;

        // Act 2: navigate away again and confirm.
        await page.EvaluateAsync("() => Blazor.navigateTo('/runs')");
        await question.First.WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Leave without saving" }).ClickAsync();
        // Poll the address: WaitForURLAsync can miss a same-document navigation (see WorkflowsPageTests).
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/runs$"), new() { Timeout = 60_000 });

        // Assert
        Assert.Equal(1, questionsOpen);
        Assert.EndsWith($"/workflows/{copy.Id}", urlAfterStay);
        Assert.Equal(copy.Version, (await store.GetAsync(copy.Id))!.Version);
        Assert.Empty(studio.Server.Problems);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LeavingWithUnsavedChanges_EscapeAnswersStay()
    {
        // Arrange: an unsaved change (a deleted node) on a copy of the sample.
        var (copy, page) = await OpenCopyWithUnsavedChangeAsync("Escape test bot");
        var dialog = page.GetByRole(AriaRole.Dialog);

        // Act: "Runs" in the navigation (opened with the menu button when the window is narrow), then Escape (pressed again until
        // it goes: the dialog listens a moment after it appears).
        var runsLink = page.Locator("a.mud-nav-link[href='/runs']");
        if (await page.Locator(".mud-drawer--open").CountAsync() == 0)
        {
            await page.GetByLabel("Show or hide the navigation").ClickAsync();
            await Assertions.Expect(runsLink).ToBeInViewportAsync();
        }
        await runsLink.ClickAsync();
        await dialog.GetByText("Leave without saving?").WaitForAsync();
        await StudioBrowserFixture.PressEscapeUntilHiddenAsync(page, dialog);
        await dialog.WaitForAsync(new() { State = WaitForSelectorState.Hidden, Timeout = 5_000 });

        // Assert: still in the editor with the change kept
        Assert.EndsWith($"/workflows/{copy.Id}", page.Url);
        Assert.Equal("true", await page.GetByTestId("save-state").GetAttributeAsync("data-dirty"));
        Assert.Empty(studio.Server.Problems);
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData(1024, 768)]
    [InlineData(1280, 800)]
    [InlineData(1440, 900)]
    public async Task AppBar_CommonWindowSizes_ControlsDoNotOverlapAndStayOnScreen(int width, int height)
    {
        // Arrange
        var store = studio.Server.Services.GetRequiredService<WorkflowStore>();
        var sample = (await store.ListAsync()).First(w => w.Name == "FAQ bot (sample)");
        var page = await studio.OpenAsync($"/workflows/{sample.Id}");
        await page.SetViewportSizeAsync(width, height);
        await page.Locator(".wf-node[data-node-id=llm]").WaitForAsync();

        // Act
        var boxes = new List<(string Id, LocatorBoundingBoxResult Box)>();
        foreach (var id in new[] { "undo", "redo", "history", "api-access", "validate", "toggle-chat", "save", "redis-status", "theme-toggle" })
        {
            boxes.Add((id, (await page.GetByTestId(id).First.BoundingBoxAsync())!));
        }
        await StudioBrowserFixture.ScreenshotAsync(page, $"editor-app-bar-{width}");

        // Assert
        foreach (var (id, box) in boxes)
        {
            Assert.True(box.X >= 0 && box.X + box.Width <= width, $"{id} at {box.X}+{box.Width} is off a {width} px window");
        }
        for (var i = 0; i < boxes.Count; i++)
        {
            for (var j = i + 1; j < boxes.Count; j++)
            {
                var (a, b) = (boxes[i].Box, boxes[j].Box);
                var overlap = a.X < b.X + b.Width - 1 && b.X < a.X + a.Width - 1 && a.Y < b.Y + b.Height - 1 && b.Y < a.Y + a.Height - 1;
                Assert.False(overlap, $"{boxes[i].Id} and {boxes[j].Id} overlap at {width} px");
            }
        }
        // The page names its icon, and it is there (browsers asked for /favicon.ico and got a 404 before).
        var icon = await page.EvaluateAsync<string>("() => document.querySelector('link[rel=icon]').href");
        Assert.Equal(200, (await page.APIRequest.GetAsync(icon)).Status);
        await page.Context.CloseAsync();
    }

    /// <summary>A copy of the sample bot (so other tests see the original) open in the editor, its clean step deleted and not saved.</summary>
    private async Task<(StoredWorkflow Copy, IPage Page)> OpenCopyWithUnsavedChangeAsync(string name)
    {
        var copy = await studio.CopySampleAsync(name);
        var page = await studio.OpenAsync($"/workflows/{copy.Id}");
        await page.Locator(".wf-node[data-node-id=clean]").ClickAsync();
        await page.GetByTestId("node-title").WaitForAsync();
        await page.Keyboard.PressAsync("Delete");
        await page.Locator("[data-testid=save-state][data-dirty=true]").WaitForAsync();
        return (copy, page);
    }

    private static async Task DragAsync(IPage page, ILocator from, ILocator to)
    {
        var a = (await from.BoundingBoxAsync())!;
        var b = (await to.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(a.X + a.Width / 2, a.Y + a.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync((a.X + b.X) / 2, (a.Y + b.Y) / 2, new() { Steps = 5 });
        await page.Mouse.MoveAsync(b.X + b.Width / 2, b.Y + b.Height / 2, new() { Steps = 5 });
        await page.Mouse.UpAsync();
    }
}
