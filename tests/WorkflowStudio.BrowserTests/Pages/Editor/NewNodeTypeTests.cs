using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowTesting;

namespace WorkflowStudio.BrowserTests.Pages.Editor;

/// <summary>Node types added as their own files, used as a person would: dragged from the palette into a small workflow,
/// connected, set up in the inspector, run in the test chat, with the path the run took lit on the canvas.</summary>
[Collection(StudioBrowserCollection.Name)]
public sealed class NewNodeTypeTests(StudioBrowserFixture studio)
{
    [Fact]
    public async Task HttpStep_FromThePaletteIntoAWorkflow_TestChatAnswersWithTheExtractedValueAndLightsItsPath()
    {
        // Arrange: an order API, and a workflow whose answer reads the step that is not there yet.
        await using var api = await FakeHttpApi.StartAsync();
        api.Responder = _ => new FakeHttpResponse(200, """{"order":{"id":42,"status":"shipped"}}""");
        var workflow = await CreateAsync("HTTP step bot", "Order status: {{ http.value }}");
        var page = await studio.OpenAsync($"/workflows/{workflow.Id}");
        await page.Locator(".wf-node[data-node-id=answer]").WaitForAsync();

        // Act: drag "HTTP request" onto the canvas between the two steps and connect start → http → answer.
        var http = await AddFromPaletteAsync(page, "http", "http");
        await ConnectAsync(page, "start", "http");
        await ConnectAsync(page, "http", "answer");

        // Act: the administrator (this browser's user) sets its address and what to read from the reply.
        await http.ClickAsync();
        await FillAsync(page, "http-url", api.Url("orders/42"));
        await FillAsync(page, "http-json-path", "order.status");
        var problems = page.GetByTestId("problems-panel");
        await Assertions.Expect(problems.GetByText("can never run")).ToHaveCountAsync(0, new() { Timeout = 30_000 });

        // Act: ask in the test chat.
        var answer = await AskAsync(page, "Where is order 42?");

        // Assert
        Assert.Equal("Order status: shipped", answer.Trim());
        Assert.Equal("/orders/42", Assert.Single(api.Requests).Target);
        foreach (var node in new[] { "start", "http", "answer" })
        {
            Assert.Equal("done", await page.Locator($".wf-node[data-node-id={node}]").GetAttributeAsync("data-run-state"));
        }
        await StudioBrowserFixture.ScreenshotAsync(page, "node-type-http-run");
        Assert.Empty(studio.Server.Problems);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ConditionStep_FromThePaletteIntoAWorkflow_TestChatTakesTheTruePathAndSkipsTheOther()
    {
        // Arrange: two replies already connected to the answer; the step choosing between them is not there yet.
        var workflow = await CreateAsync("Condition step bot", "{{ refund.text }}{{ other.text }}",
            Template("refund", "Refund reply", "Refunds are paid within 14 days.", 640, -80),
            Template("other", "Other reply", "Let me find out for you.", 640, 200));
        var page = await studio.OpenAsync($"/workflows/{workflow.Id}");
        await page.Locator(".wf-node[data-node-id=answer]").WaitForAsync();

        // Act: drag "Condition" onto the canvas and connect start → condition, true → refund, false → other.
        var condition = await AddFromPaletteAsync(page, "condition", "condition");
        await ConnectAsync(page, "start", "condition");
        await ConnectAsync(page, "condition", "refund", "wf-port-true");
        await ConnectAsync(page, "condition", "other", "wf-port-false");

        // Act: one condition, "the question contains refund" (ignoring case), set in the inspector.
        await condition.ClickAsync();
        await page.GetByTestId("condition-add").ClickAsync();
        await FillAsync(page.Locator("[data-testid=condition-left] input").First, "{{ start.query }}");
        await FillAsync(page.Locator("[data-testid=condition-right] input").First, "refund");
        var ignoreCase = page.Locator("[data-testid=condition-ignore-case] input").First;
        await ignoreCase.CheckAsync();
        await Assertions.Expect(page.GetByTestId("problems-panel").GetByText("can never run")).ToHaveCountAsync(0, new() { Timeout = 30_000 });

        // Act
        var answer = await AskAsync(page, "How long does a REFUND take?");

        // Assert: the true branch answered; the false branch was skipped; the path is lit through the true port.
        Assert.Equal("Refunds are paid within 14 days.", answer.Trim());
        foreach (var node in new[] { "start", "condition", "refund", "answer" })
        {
            Assert.Equal("done", await page.Locator($".wf-node[data-node-id={node}]").GetAttributeAsync("data-run-state"));
        }
        Assert.Equal("skipped", await page.Locator(".wf-node[data-node-id=other]").GetAttributeAsync("data-run-state"));
        await StudioBrowserFixture.ScreenshotAsync(page, "node-type-condition-run");
        Assert.Empty(studio.Server.Problems);
        await page.Context.CloseAsync();
    }

    private static (NodeDefinition Node, NodePosition Position) Template(string id, string title, string text, double x, double y) =>
        (new NodeDefinition(id, "template", title, JsonSerializer.SerializeToElement(new { template = text }), NodeCacheSettings.Disabled), new NodePosition(x, y));

    /// <summary>A workflow of a start step and an answer step with room between them; <paramref name="middle"/> steps are
    /// connected to the answer, the start to nothing.</summary>
    private async Task<StoredWorkflow> CreateAsync(string name, string answerTemplate, params (NodeDefinition Node, NodePosition Position)[] middle)
    {
        var graph = new WorkflowGraph
        {
            Name = name,
            Nodes =
            [
                new NodeDefinition("start", "start", "Question", NodeDefinition.EmptySettings, NodeCacheSettings.Disabled),
                .. middle.Select(m => m.Node),
                new NodeDefinition("answer", "answer", "Answer", JsonSerializer.SerializeToElement(new { template = answerTemplate }), NodeCacheSettings.Disabled),
            ],
            Edges = [.. middle.Select(m => new Edge(m.Node.Id, "answer"))],
            Layout = middle.Aggregate(
                ImmutableDictionary<string, NodePosition>.Empty.Add("start", new NodePosition(40, 60)).Add("answer", new NodePosition(middle.Length == 0 ? 640 : 1000, 60)),
                (layout, m) => layout.Add(m.Node.Id, m.Position)),
        };
        return await studio.Server.Services.GetRequiredService<WorkflowStore>().CreateAsync(graph);
    }

    private static async Task<ILocator> AddFromPaletteAsync(IPage page, string type, string expectedId)
    {
        var canvas = page.GetByTestId("canvas");
        await page.Locator($".wf-palette-item[data-node-type={type}]")
            .DragToAsync(canvas, new() { TargetPosition = new() { X = 340, Y = 260 } });
        var added = page.Locator($".wf-node[data-node-id={expectedId}]");
        await added.WaitForAsync();
        // Unconnected, the new step "can never run"; waiting for the (debounced) check lets the canvas settle before ports are read.
        await Assertions.Expect(page.GetByTestId("problems-panel").GetByText("can never run")).Not.ToHaveCountAsync(0, new() { Timeout = 30_000 });
        return added;
    }

    private static async Task ConnectAsync(IPage page, string from, string to, string fromPortClass = "wf-port-out")
    {
        var source = page.Locator($".wf-node[data-node-id={from}] .{fromPortClass}");
        var target = page.Locator($".wf-node[data-node-id={to}] .wf-port-in");
        var a = (await source.BoundingBoxAsync())!;
        var b = (await target.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(a.X + a.Width / 2, a.Y + a.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync((a.X + b.X) / 2, (a.Y + b.Y) / 2, new() { Steps = 5 });
        await page.Mouse.MoveAsync(b.X + b.Width / 2, b.Y + b.Height / 2, new() { Steps = 5 });
        await page.Mouse.UpAsync();
        await page.Locator($".wf-node[data-node-id={to}] .wf-port-in.has-links").WaitForAsync();
    }

    // MudBlazor puts a text field's test id on the input itself.
    private static Task FillAsync(IPage page, string testId, string value) => FillAsync(page.GetByTestId(testId), value);

    private static async Task FillAsync(ILocator field, string value)
    {
        await field.FillAsync(value);
        await field.BlurAsync();
    }

    /// <summary>Asks in the test chat and returns the bot's answer once the run is done.</summary>
    private static async Task<string> AskAsync(IPage page, string question)
    {
        await page.GetByTestId("toggle-chat").ClickAsync();
        var input = page.GetByTestId("chat-input");
        // The problems check is debounced and the machine may be busy: the chat opens once the workflow can run.
        await Assertions.Expect(input).ToBeEnabledAsync(new() { Timeout = 30_000 });
        await input.FillAsync(question);
        await input.PressAsync("Enter");
        await page.Locator("[data-testid=chat-bot][data-state=done]").WaitForAsync(new() { Timeout = 30_000 });
        return await page.GetByTestId("chat-answer").First.InnerTextAsync();
    }
}
