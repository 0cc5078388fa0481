using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.BrowserTests.Pages.Editor;

/// <summary>The classify step built from the palette: classes typed into its form become ports on its card, connections are
/// drawn from them, and a question in the test chat takes its class's path, highlighted on the canvas.</summary>
[Collection(StudioBrowserCollection.Name)]
public sealed class ClassifyStepTests(StudioBrowserFixture studio)
{
    [Fact]
    public async Task ClassifyFromThePalette_ClassesBecomePortsAndAnOrderQuestionTakesTheOrdersPath()
    {
        // Arrange: a start and one answer per desk, not connected yet.
        var store = studio.Server.Services.GetRequiredService<WorkflowStore>();
        var workflow = await store.CreateAsync(new WorkflowGraph
        {
            Name = "Classify browser test",
            Nodes =
            [
                Node("start", NodeRegistry.KeyOf<StartNode>(), "Question", new { }),
                Node("orders", NodeRegistry.KeyOf<AnswerNode>(), "Orders desk", new { template = "Orders desk: {{ start.query }}" }),
                Node("account", NodeRegistry.KeyOf<AnswerNode>(), "Account desk", new { template = "Account desk: {{ start.query }}" }),
            ],
            Layout = new Dictionary<string, NodePosition> { ["start"] = new(40, 180), ["orders"] = new(640, 60), ["account"] = new(640, 300) }.ToImmutableDictionary(),
        });
        var page = await studio.OpenAsync($"/workflows/{workflow.Id}");
        await page.Locator(".wf-node[data-node-id=account]").WaitForAsync();

        // Act: add the step from the palette and give it two classes in its form.
        await page.Locator($".wf-palette-item[data-node-type={NodeRegistry.KeyOf<ClassifyNode>()}]").ClickAsync();
        var card = page.Locator(".wf-node[data-node-id=classify]");
        await card.WaitForAsync();
        await page.GetByTestId("classify-add-class").ClickAsync();
        await page.GetByTestId("classify-add-class").ClickAsync();
        await Fill(page.Locator("input[data-testid=classify-class-name]").Nth(0), "orders");
        await Fill(page.Locator("textarea[data-testid=classify-class-examples]").Nth(0), "Where is my order?\nWhen will my parcel arrive?\nI want to return an item");
        await Fill(page.Locator("input[data-testid=classify-class-name]").Nth(1), "account");
        await Fill(page.Locator("textarea[data-testid=classify-class-examples]").Nth(1), "I can't log in to my account\nHow do I reset my password?");
        var ordersPort = card.Locator("[data-port-id='classify::out:orders']");
        var accountPort = card.Locator("[data-port-id='classify::out:account']");
        await accountPort.WaitForAsync();
        await card.Locator("[data-port-id='classify::out:other']").WaitForAsync();

        // Act: connect start → classify, orders → Orders desk, account → Account desk; save. Before each drag the (debounced)
        // problems list must show the last edit: it grows and shrinks below the canvas, which moves what the drag aims at.
        var neverRun = page.GetByTestId("problems-panel").GetByText("can never run");
        await Assertions.Expect(page.GetByTestId("problems-panel").GetByText("has no example questions")).ToHaveCountAsync(0);
        await Assertions.Expect(neverRun).ToHaveCountAsync(3);
        await DragAsync(page, page.Locator(".wf-node[data-node-id=start] .wf-port-out"), card.Locator(".wf-port-in"));
        await card.Locator(".wf-port-in.has-links").WaitForAsync();
        await Assertions.Expect(neverRun).ToHaveCountAsync(2);
        await DragAsync(page, ordersPort, page.Locator(".wf-node[data-node-id=orders] .wf-port-in"));
        await page.Locator(".wf-node[data-node-id=orders] .wf-port-in.has-links").WaitForAsync();
        await Assertions.Expect(neverRun).ToHaveCountAsync(1);
        await DragAsync(page, accountPort, page.Locator(".wf-node[data-node-id=account] .wf-port-in"));
        await page.Locator(".wf-node[data-node-id=account] .wf-port-in.has-links").WaitForAsync();
        await Assertions.Expect(neverRun).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Control+s");
        await page.Locator("[data-testid=save-state][data-dirty=false]").WaitForAsync();
        await StudioBrowserFixture.ScreenshotAsync(page, "classify-built");

        // Act: open the saved workflow again (links drawn from the document are named after their edges) and ask an order
        // question in the test chat.
        await page.ReloadAsync();
        await StudioBrowserFixture.WaitForCircuitAsync(page);
        await page.Locator("g.diagram-link[data-link-id='link:classify|orders|orders|']").WaitForAsync();
        var dirtyAfterReload = await page.GetByTestId("save-state").GetAttributeAsync("data-dirty");
        await page.GetByTestId("toggle-chat").ClickAsync();
        await page.GetByTestId("chat-input").FillAsync("My parcel still hasn't arrived, where is it?");
        await page.GetByTestId("chat-input").PressAsync("Enter");
        await page.Locator("[data-testid=chat-bot][data-state=done]").WaitForAsync(new() { Timeout = 30_000 });
        await page.Locator(".wf-node[data-node-id=account][data-run-state=skipped]").WaitForAsync();
        var ordersLink = page.Locator("g.diagram-link[data-link-id='link:classify|orders|orders|'] path").First;
        await Assertions.Expect(ordersLink).ToHaveAttributeAsync("stroke", "#1e88e5");
        await StudioBrowserFixture.ScreenshotAsync(page, "classify-run-path");

        // Assert
        var saved = (await store.GetAsync(workflow.Id))!.Graph;
        Assert.Contains(new Edge("classify", "orders", "orders"), saved.Edges);
        Assert.Contains(new Edge("classify", "account", "account"), saved.Edges);
        Assert.Equal("Orders desk: My parcel still hasn't arrived, where is it?", (await page.GetByTestId("chat-answer").First.InnerTextAsync()).Trim());
        Assert.NotEqual("#1e88e5", await page.Locator("g.diagram-link[data-link-id='link:classify|account|account|'] path").First.GetAttributeAsync("stroke"));
        Assert.Equal("done", await page.Locator(".wf-node[data-node-id=orders]").GetAttributeAsync("data-run-state"));
        Assert.Equal("false", dirtyAfterReload);
        Assert.Empty(studio.Server.Problems);
        await page.Context.CloseAsync();
    }

    private static NodeDefinition Node(string id, string type, string title, object settings) =>
        new(id, type, title, JsonSerializer.SerializeToElement(settings, new JsonSerializerOptions(JsonSerializerDefaults.Web)), NodeCacheSettings.Disabled);

    /// <summary>Types into a form field and leaves it, which is when the form writes the value into the step's settings.</summary>
    private static async Task Fill(ILocator field, string text)
    {
        await field.FillAsync(text);
        await field.PressAsync("Tab");
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
