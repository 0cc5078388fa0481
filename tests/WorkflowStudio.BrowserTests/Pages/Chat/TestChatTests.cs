using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WorkflowEngine.Persistence;
using WorkflowStudio.Runs;
using WorkflowTesting;

namespace WorkflowStudio.BrowserTests.Pages.Chat;

/// <summary>A studio of its own for the test chat: a real redis-server (L2 cache and conversation memory) and a fake
/// OpenAI-compatible server that answers slowly, token by token.</summary>
public sealed class ChatStudioFixture : IAsyncLifetime
{
    public const string Answer = "To reset your password, open **Settings**, choose *Security* and follow the link we e-mail you. It arrives within a few minutes.";

    public RedisServer Redis { get; } = new();

    public FakeOpenAiServer Llm { get; private set; } = default!;

    public StudioBrowserFixture Studio { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        await Redis.InitializeAsync();
        Llm = await FakeOpenAiServer.StartAsync();
        Llm.Responder = _ => Answer;
        Llm.Delay = TimeSpan.FromMilliseconds(300);
        Llm.TokenDelay = TimeSpan.FromMilliseconds(40);
        Studio = new StudioBrowserFixture
        {
            Settings = new Dictionary<string, string?>
            {
                ["ConnectionStrings:Redis"] = Redis.ConnectionString,
                ["Llm:BaseUrl"] = Llm.BaseUrl,
                ["Llm:ApiKey"] = Llm.ApiKey,
                ["Llm:Model"] = Llm.Model,
            },
        };
        await Studio.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Studio.DisposeAsync();
        await Llm.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ChatStudioCollection : ICollectionFixture<ChatStudioFixture>
{
    public const string Name = "Test chat in a browser";
}

[Collection(ChatStudioCollection.Name)]
public sealed class TestChatTests(ChatStudioFixture fixture)
{
    private StudioBrowserFixture Studio => fixture.Studio;

    private Task<StoredWorkflow> CopyOfSampleAsync(string name) => Studio.CopySampleAsync(name);

    private async Task<IPage> OpenChatAsync(string workflowId)
    {
        var page = await Studio.OpenAsync($"/workflows/{workflowId}");
        await page.Locator(".wf-node[data-node-id=llm]").WaitForAsync();
        await page.GetByTestId("toggle-chat").ClickAsync();
        await page.GetByTestId("chat-input").WaitForAsync();
        return page;
    }

    private static async Task AskAsync(IPage page, string question)
    {
        await page.GetByTestId("chat-input").FillAsync(question);
        await page.GetByTestId("chat-input").PressAsync("Enter");
    }

    [Fact]
    public async Task SampleBot_AskTwiceWithDifferentCaseAndPunctuation_SecondAnswerComesFromCacheWithOneLlmCall()
    {
        // Arrange
        var workflow = await CopyOfSampleAsync("Chat test bot");
        fixture.Llm.Reset();
        fixture.Llm.Responder = _ => ChatStudioFixture.Answer;
        fixture.Llm.Delay = TimeSpan.FromMilliseconds(300);
        fixture.Llm.TokenDelay = TimeSpan.FromMilliseconds(40);
        var page = await OpenChatAsync(workflow.Id);

        // Act 1: the first question streams in from the (slow) model.
        await AskAsync(page, "How do I reset my password?");
        await page.Locator("[data-testid=chat-caret]").WaitForAsync();
        var partial = await page.GetByTestId("chat-answer").First.InnerTextAsync();
        await page.Locator(".wf-node[data-node-id=llm] [data-testid=node-overlay][data-state=running]").Or(
            page.Locator(".wf-node[data-node-id=llm][data-run-state=miss]")).First.WaitForAsync();
        await page.Locator("[data-testid=chat-bot][data-state=done]").WaitForAsync(new() { Timeout = 30_000 });
        await page.Locator(".wf-node[data-node-id=llm][data-run-state=miss]").WaitForAsync();
        var first = await page.GetByTestId("chat-answer").First.InnerTextAsync();
        var llmPill = await page.Locator(".wf-node[data-node-id=llm] [data-testid=node-overlay]").InnerTextAsync();
        await StudioBrowserFixture.ScreenshotAsync(page, "chat-first-answer");

        // Act 2: the same question, other case and punctuation.
        await AskAsync(page, "how do i RESET my password!!");
        await page.Locator("[data-testid=chat-bot][data-state=done]").Nth(1).WaitForAsync(new() { Timeout = 30_000 });
        await page.Locator(".wf-node[data-node-id=cache][data-run-state=hit]").WaitForAsync();
        var second = await page.GetByTestId("chat-answer").Nth(1).InnerTextAsync();
        await StudioBrowserFixture.ScreenshotAsync(page, "chat-second-answer-from-cache");

        // Assert
        Assert.True(partial.Length < first.Length, $"the answer should stream in; first view was '{partial}'");
        Assert.StartsWith("MISS", llmPill.Trim());
        Assert.Contains("To reset your password", first);
        Assert.Equal(first, second);
        foreach (var skipped in new[] { "retrieve", "template", "llm" })
        {
            Assert.Equal("skipped", await page.Locator($".wf-node[data-node-id={skipped}]").GetAttributeAsync("data-run-state"));
        }
        Assert.Equal(1, fixture.Llm.ChatCallCount);
        Assert.Contains("answered from cache", await page.GetByTestId("chat-cache-match").InnerTextAsync());

        // Assert: the Runs page lists both runs.
        var history = Studio.Server.Services.GetRequiredService<RunHistory>();
        await Eventually.WaitUntilAsync(async () => (await history.ListAsync(new RunQuery(workflow.Id))).Count >= 2, TimeSpan.FromSeconds(30),
            "both runs to be recorded");
        await page.GotoAsync("/runs");
        await StudioBrowserFixture.WaitForCircuitAsync(page);
        var rows = page.Locator("[data-testid=run-row]").Filter(new() { HasText = "Chat test bot" });
        await rows.Nth(1).WaitForAsync();
        Assert.Equal(2, await rows.CountAsync());
        await StudioBrowserFixture.ScreenshotAsync(page, "runs-page");
        await rows.First.ClickAsync();
        await page.GetByTestId("run-trace").WaitForAsync();
        Assert.Equal("HIT", await page.Locator("[data-testid=run-trace] tr[data-node-id=cache]").GetAttributeAsync("data-outcome"));
        // The run replayed on the workflow's canvas: the gate's HIT pill, the bypassed steps greyed.
        await page.Locator("[data-testid=run-replay] .wf-node[data-node-id=cache][data-run-state=hit]").WaitForAsync();
        Assert.StartsWith("HIT L", (await page.Locator("[data-testid=run-replay] .wf-node[data-node-id=cache] [data-testid=node-overlay]").InnerTextAsync()).Trim());
        Assert.Equal("skipped", await page.Locator("[data-testid=run-replay] .wf-node[data-node-id=llm]").GetAttributeAsync("data-run-state"));
        await StudioBrowserFixture.ScreenshotAsync(page, "run-replay");
        Assert.Empty(Studio.Server.Problems);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SampleBot_ClickTheTwoExampleQuestions_SecondIsAnsweredByTheCacheGate()
    {
        // Arrange
        var workflow = await CopyOfSampleAsync("Example chips bot");
        fixture.Llm.Reset();
        fixture.Llm.Responder = _ => "You can get a refund within 30 days of purchase.";
        fixture.Llm.Delay = TimeSpan.FromMilliseconds(100);
        fixture.Llm.TokenDelay = TimeSpan.FromMilliseconds(5);
        var page = await OpenChatAsync(workflow.Id);
        var chips = page.GetByTestId("chat-example");
        await chips.First.WaitForAsync();

        // Act
        await chips.Nth(0).ClickAsync();
        await page.Locator("[data-testid=chat-bot][data-state=done]").WaitForAsync(new() { Timeout = 30_000 });
        await page.Locator(".wf-node[data-node-id=llm][data-run-state=miss]").WaitForAsync();
        await page.Locator("[data-testid=chat-example]:not(.mud-chip-disabled)").First.WaitForAsync();
        await chips.Nth(1).ClickAsync();
        await page.Locator("[data-testid=chat-bot][data-state=done]").Nth(1).WaitForAsync(new() { Timeout = 30_000 });
        await page.Locator(".wf-node[data-node-id=cache][data-run-state=hit]").WaitForAsync();
        await StudioBrowserFixture.ScreenshotAsync(page, "chat-example-chips");

        // Assert: the chips asked their questions, the model was called once, both answers are the same.
        Assert.Equal(3, await chips.CountAsync());
        var asked = await page.GetByTestId("chat-user").AllInnerTextsAsync();
        Assert.Equal([await chips.Nth(0).InnerTextAsync(), await chips.Nth(1).InnerTextAsync()], asked.Select(a => a.Trim()).ToArray());
        Assert.Equal(1, fixture.Llm.ChatCallCount);
        Assert.Equal(await page.GetByTestId("chat-answer").Nth(0).InnerTextAsync(), await page.GetByTestId("chat-answer").Nth(1).InnerTextAsync());
        Assert.Empty(Studio.Server.Problems);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TwoTabsSameWorkflow_AskAtTheSameTime_EachSeesOnlyItsOwnRun()
    {
        // Arrange
        var workflow = await CopyOfSampleAsync("Two tabs bot");
        fixture.Llm.Reset();
        fixture.Llm.Responder = r => "Answer for: " + r.LastUserMessage;
        fixture.Llm.Delay = TimeSpan.FromSeconds(2);
        fixture.Llm.TokenDelay = TimeSpan.FromMilliseconds(20);
        var tabA = await OpenChatAsync(workflow.Id);
        var tabB = await OpenChatAsync(workflow.Id);

        // Act: both runs are in flight together.
        await AskAsync(tabA, "Where is my parcel?");
        await AskAsync(tabB, "Can I pay by invoice?");
        await tabA.Locator("[data-testid=chat-bot][data-state=done]").WaitForAsync(new() { Timeout = 30_000 });
        await tabB.Locator("[data-testid=chat-bot][data-state=done]").WaitForAsync(new() { Timeout = 30_000 });

        // Assert: one question and one answer per tab, its own; each canvas shows its own (finished) run.
        foreach (var (tab, own, other) in new[] { (tabA, "parcel", "invoice"), (tabB, "invoice", "parcel") })
        {
            Assert.Equal(1, await tab.GetByTestId("chat-bot").CountAsync());
            Assert.Equal(1, await tab.GetByTestId("chat-user").CountAsync());
            var answer = await tab.GetByTestId("chat-answer").InnerTextAsync();
            Assert.Contains(own, answer);
            Assert.DoesNotContain(other, answer);
            Assert.Equal("miss", await tab.Locator(".wf-node[data-node-id=llm]").GetAttributeAsync("data-run-state"));
        }
        Assert.Equal(2, fixture.Llm.MaxConcurrentChatCalls);
        Assert.Empty(Studio.Server.Problems);
        await tabA.Context.CloseAsync();
        await tabB.Context.CloseAsync();
    }

    [Fact]
    public async Task ClosePageDuringSlowRun_NoUnhandledErrorAndTheRunIsRecorded()
    {
        // Arrange
        var workflow = await CopyOfSampleAsync("Closed tab bot");
        fixture.Llm.Reset();
        fixture.Llm.Responder = _ => ChatStudioFixture.Answer;
        fixture.Llm.Delay = TimeSpan.FromSeconds(2);
        fixture.Llm.TokenDelay = TimeSpan.FromMilliseconds(40);
        var page = await OpenChatAsync(workflow.Id);
        const string question = "Which payment methods do you accept for invoices?";

        // Act
        await AskAsync(page, question);
        await page.Locator(".wf-node[data-node-id=llm][data-run-state=running]").WaitForAsync();
        await page.Context.CloseAsync();

        // Assert
        var history = Studio.Server.Services.GetRequiredService<RunHistory>();
        IReadOnlyList<RunSummary> runs = [];
        await Eventually.WaitUntilAsync(async () => (runs = await history.ListAsync(new RunQuery(workflow.Id))).Count > 0, TimeSpan.FromSeconds(30),
            "the run to be recorded after its tab closed");
        var run = Assert.Single(runs);
        Assert.Equal(question, run.Query);
        Assert.Equal("succeeded", run.Status);
        Assert.Equal(1, fixture.Llm.ChatCallCount);
        // Give the circuit time to notice the closed tab and tear down.
        await Task.Delay(1000);
        Assert.Empty(Studio.Server.Problems);
    }
}
