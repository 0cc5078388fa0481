using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowStudio.Components.Chat;
using WorkflowStudio.Components.Pages.Editor;
using WorkflowStudio.Runs;
using WorkflowStudio.Tests.Runs;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Components.Chat;

/// <summary>The test chat on the real engine, run services and SQLite, with the LLM node talking to a fake OpenAI-compatible
/// server over HTTP.</summary>
public sealed class TestChatPanelTests : StudioTestContext
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    // Field initialisers run before the base constructor, which calls ConfigureServices.
    private readonly FakeOpenAiServer _llm = FakeOpenAiServer.StartAsync().GetAwaiter().GetResult();

    public TestChatPanelTests()
    {
        _llm.Responder = r => $"You asked: {r.LastUserMessage}";
        Session = Services.GetRequiredService<EditorSession>();
        Session.Load("wf-chat", RunServiceHost.ChatGraph(), version: 1);
    }

    private EditorSession Session { get; }

    protected override void ConfigureServices(IServiceCollection services)
    {
        UseStudioDatabase(new Dictionary<string, string?>
        {
            ["Llm:BaseUrl"] = _llm.BaseUrl,
            ["Llm:ApiKey"] = _llm.ApiKey,
            ["Llm:Model"] = _llm.Model,
            // Retries on the wall clock (the LLM pipeline does not use the test's FakeTimeProvider), kept short.
            ["Llm:MaxRetries"] = "2",
            ["Llm:RetryDelayMilliseconds"] = "10",
        });
        services.AddWorkflowEditor();
        services.AddWorkflowRuns();
    }

    private IRenderedComponent<TestChatPanel> RenderPanel() => Render<TestChatPanel>();

    /// <summary>The llm step cached, and no earlier turns in its prompt, so asking the same again has the same cache key.</summary>
    private void CacheTheModelStep() => Session.UpdateNode("llm", n => n with
    {
        Settings = System.Text.Json.JsonDocument.Parse("""{ "prompt": "{{ start.query }}", "historyTurns": 0 }""").RootElement.Clone(),
        Cache = new NodeCacheSettings(true, 600),
    });

    private static void Ask(IRenderedComponent<TestChatPanel> cut, string question)
    {
        cut.Find("[data-testid=chat-input]").Input(question);
        cut.Find("[data-testid=chat-input]").KeyDown(new KeyboardEventArgs { Key = "Enter" });
    }

    [Fact]
    public void Send_EnterInInput_ShowsQuestionBubbleAndAnswerWithTrace()
    {
        // Arrange
        var cut = RenderPanel();

        // Act
        Ask(cut, "Where is my parcel?");

        // Assert
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);
        Assert.Equal("Where is my parcel?", cut.Find("[data-testid=chat-user] .wf-chat-text").TextContent);
        Assert.Contains("You asked: Where is my parcel?", cut.Find("[data-testid=chat-answer]").TextContent);
        Assert.Equal(["start", "llm", "answer"], cut.FindAll("[data-testid=chat-trace] tr.wf-trace-row").Select(r => r.GetAttribute("data-node-id")!));
        Assert.Equal("1", cut.Find("[data-testid=chat-summary]").GetAttribute("data-runs"));
        Assert.Equal("", cut.Find("[data-testid=chat-input]").GetAttribute("value") ?? "");
        Assert.Equal(1, _llm.ChatCallCount);
    }

    [Fact]
    public void Examples_GraphWithoutTheSampleKnowledgeBase_NoneOffered()
    {
        var cut = RenderPanel();

        Assert.Empty(cut.FindAll("[data-testid=chat-examples]"));
        Assert.DoesNotContain("pick one", cut.Find("[data-testid=chat-messages]").TextContent);
    }

    [Fact]
    public async Task Examples_SampleBot_AskedByClickTheRewordingFromTheCacheAndChineseFromItsSection()
    {
        // Arrange: the sample bot on the sample knowledge base, indexed.
        var knowledge = Services.GetRequiredService<KnowledgeBaseService>();
        var kbId = await knowledge.EnsureSampleAsync();
        await knowledge.WaitForIndexingAsync(kbId, new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);
        Session.Load("wf-sample", SampleWorkflows.FaqBot(kbId), version: 1);
        var cut = RenderPanel();
        var chips = cut.FindAll("[data-testid=chat-example]");

        // Act: each first question of a language may load an embedding model (the second one is quantized as it loads), which
        // takes many seconds on a busy machine: the ceiling is a minute, a passing run does not wait for it.
        var modelWait = TimeSpan.FromMinutes(1);
        chips[0].Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=chat-bot][data-state=done]")), modelWait);
        cut.FindAll("[data-testid=chat-example]")[1].Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=chat-bot][data-state=done]").Count), modelWait);
        cut.FindAll("[data-testid=chat-example]")[2].Click();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=chat-bot][data-state=done]").Count), modelWait);

        // Assert: the sample gate matches exactly, so the rewording differs only in case and punctuation.
        Assert.Equal(["How do I get a refund?", "how do I get a REFUND??", "退款要多久？"], chips.Select(c => c.TextContent.Trim()));
        Assert.Equal(["How do I get a refund?", "how do I get a REFUND??", "退款要多久？"],
            cut.FindAll("[data-testid=chat-user] .wf-chat-text").Select(e => e.TextContent));
        Assert.Equal(2, _llm.ChatCallCount); // the second was answered by the cache gate
        Assert.Equal("1", cut.Find("[data-testid=chat-summary]").GetAttribute("data-llm-calls-avoided"));
        var chinese = cut.FindAll("[data-testid=chat-answer]")[2].TextContent; // the fake model repeats its prompt
        Assert.Contains("退款总是退回到", chinese);
    }

    [Fact]
    public async Task WrongAnswer_OnTheAnswerFromTheCache_ReportedInPlaceAndTheNextAskMissesTheGate()
    {
        // Arrange: the sample bot (exact gate); the second ask is answered from the cache.
        await LoadSampleBotAsync();
        var cut = RenderPanel();
        var modelWait = TimeSpan.FromMinutes(1); // the first question may load an embedding model
        Ask(cut, "How do I get a refund?");
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=chat-bot][data-state=done]")), modelWait);
        Ask(cut, "how do I get a REFUND??");
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=chat-bot][data-state=done]").Count), modelWait);
        var bots = cut.FindAll("[data-testid=chat-bot]");
        Assert.NotNull(bots[1].QuerySelector("[data-testid=chat-cache-match]"));

        // Act: "Wrong answer" under the cached answer.
        bots[1].QuerySelector("[data-testid=chat-wrong-answer]")!.Click();

        // Assert: confirmed in place (only there), and the same question is worked out again.
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=chat-wrong-answer-reported]")), Wait);
        Assert.Equal("Reported — this answer will not be served from the cache again",
            cut.FindAll("[data-testid=chat-bot]")[1].QuerySelector("[data-testid=chat-wrong-answer-reported]")!.TextContent.Trim());
        Assert.NotNull(cut.FindAll("[data-testid=chat-bot]")[0].QuerySelector("[data-testid=chat-wrong-answer]"));
        Ask(cut, "how do I get a REFUND??");
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=chat-bot][data-state=done]").Count), modelWait);
        Assert.Equal("MISS", cut.FindAll("[data-testid=chat-trace]")[2].QuerySelector("tr[data-node-id=cache]")!.GetAttribute("data-outcome"));
    }

    [Theory]
    [InlineData(WorkflowStudio.Accounts.StudioRoles.Viewer, false)]
    [InlineData(WorkflowStudio.Accounts.StudioRoles.Editor, true)]
    public void WrongAnswerButton_ByRole_OfferedToEditorsOnly(string role, bool offered)
    {
        // Arrange: a run whose gate served a cached answer.
        Authorization.SetRoles(role);
        var gate = new RunTraceEntry("cache", "cache", "Response cache", RunTraceEntry.Succeeded, "hit", "L1", 1, null, null, 5, null, null,
            new Dictionary<string, string>
            {
                ["matchMode"] = "exact", ["entryScope"] = "scope", ["lookupText"] = "how do i get a refund", ["entryText"] = "how do i get a refund",
            });
        var run = new CompletedRun("run-1", "wf-chat", "c1", "How do I get a refund?", "succeeded", "Within 30 days.", null, null, null,
            DateTimeOffset.UnixEpoch, 5, [gate]);

        // Act
        var cut = Render<WrongAnswerButton>(p => p.Add(x => x.Run, run));

        // Assert
        Assert.Equal(offered, cut.FindAll("[data-testid=chat-wrong-answer]").Count == 1);
    }

    [Fact]
    public void WrongAnswer_WorkflowWithoutACacheGate_NotOffered()
    {
        // Arrange: nothing of this graph's answers goes through a response cache.
        var cut = RenderPanel();

        // Act
        Ask(cut, "Where is my parcel?");

        // Assert
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);
        Assert.Empty(cut.FindAll("[data-testid=chat-wrong-answer]"));
    }

    private async Task LoadSampleBotAsync()
    {
        var knowledge = Services.GetRequiredService<KnowledgeBaseService>();
        var kbId = await knowledge.EnsureSampleAsync();
        await knowledge.WaitForIndexingAsync(kbId, new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);
        Session.Load("wf-sample", SampleWorkflows.FaqBot(kbId), version: 1);
    }

    [Fact]
    public void Summary_SameQuestionTwiceWithTheModelCached_CountsTheHitAndTheAvoidedCall()
    {
        // Arrange
        CacheTheModelStep();
        var cut = RenderPanel();
        Ask(cut, "What are your opening hours?");
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);

        // Act
        Ask(cut, "What are your opening hours?");

        // Assert
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=chat-bot][data-state=done]").Count), Wait);
        var summary = cut.Find("[data-testid=chat-summary]");
        Assert.Equal("2", summary.GetAttribute("data-runs"));
        Assert.Equal("1", summary.GetAttribute("data-cache-hits"));
        Assert.Equal("1", summary.GetAttribute("data-llm-calls-avoided"));
        Assert.Contains("1 of 6 steps from cache", summary.TextContent);
        Assert.Contains("1 LLM call avoided", summary.TextContent);
        var last = System.Text.RegularExpressions.Regex.Replace(cut.Find("[data-testid=chat-summary-last]").TextContent, @"\s+", " ").Trim();
        Assert.StartsWith("Last run: 1 of 3 steps from cache · 1 LLM call avoided · saved", last);
        Assert.Contains("saved ", summary.TextContent); // the amount: engine timing runs on this context's held clock, so 0 here
        Assert.Equal("HIT", cut.FindAll("[data-testid=chat-trace]")[1].QuerySelector("tr[data-node-id=llm]")!.GetAttribute("data-outcome"));
        Assert.Equal(1, _llm.ChatCallCount);
    }

    [Fact]
    public void InspectorLastRun_AfterAnAnswerFromTheCachedModel_ShowsTheSelectedStepsHitAndItsOutput()
    {
        // Arrange: the inspector beside the chat, as on the editor page, with the llm step selected and cached.
        CacheTheModelStep();
        var inspector = Render<WorkflowStudio.Components.Inspector.NodeInspector>();
        Session.Select(["llm"]);
        var cut = RenderPanel();
        Assert.NotEmpty(inspector.FindAll("[data-testid=node-last-run-empty]"));
        Ask(cut, "Do you ship abroad?");
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);
        inspector.WaitForAssertion(() => Assert.Equal(RunOverlay.Miss, inspector.Find("[data-testid=node-last-run-outcome]").GetAttribute("data-state")), Wait);

        // Act
        Ask(cut, "Do you ship abroad?");

        // Assert
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=chat-bot][data-state=done]").Count), Wait);
        inspector.WaitForAssertion(() => Assert.Equal(RunOverlay.Hit, inspector.Find("[data-testid=node-last-run-outcome]").GetAttribute("data-state")), Wait);
        Assert.StartsWith("HIT L1", inspector.Find("[data-testid=node-last-run-outcome]").TextContent.Trim());
        Assert.Equal("HIT", inspector.Find("[data-testid=node-last-run] tr[data-node-id=llm]").GetAttribute("data-outcome"));
        Assert.Contains("You asked: Do you ship abroad?", inspector.Find("[data-testid=node-last-run] .wf-trace-output").TextContent);
        Assert.Contains("Do you ship abroad?", inspector.Find("[data-testid=node-last-run]").TextContent);
        var runId = cut.FindAll("[data-testid=chat-bot]")[1].GetAttribute("data-run-id");
        Assert.Equal($"runs/{runId}", inspector.Find("[data-testid=node-last-run] a").GetAttribute("href"));
    }

    [Fact]
    public void DismissOverlay_AfterARun_OverlayStaysUntilHiddenThenIsCleared()
    {
        // Arrange: the panel paints on a diagram of the session's graph, as the editor's canvas does.
        var diagram = WorkflowStudio.Components.Designer.DesignerRegistration.CreateDiagram();
        Service<WorkflowStudio.Components.Designer.DiagramMapper>().Sync(diagram, Session.Graph);
        var nodes = diagram.Nodes.OfType<WorkflowStudio.Components.Designer.WorkflowNodeModel>().ToList();
        var cut = Render<TestChatPanel>(p => p.Add(x => x.GetDiagram, () => diagram));
        Ask(cut, "Is the overlay kept?");
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);

        // Assert: after the run, every step keeps its final state and the path stays drawn.
        Assert.All(nodes, n => Assert.Equal(RunOverlay.Done, n.Overlay?.State));
        Assert.All(diagram.Links.OfType<WorkflowStudio.Components.Designer.WorkflowLinkModel>(), l => Assert.Equal(RunOverlay.PathColor, l.Color));

        // Act
        cut.Find("[data-testid=chat-dismiss-overlay]").Click();

        // Assert
        cut.WaitForAssertion(() => Assert.All(nodes, n => Assert.Null(n.Overlay)), Wait);
        Assert.All(diagram.Links.OfType<WorkflowStudio.Components.Designer.WorkflowLinkModel>(), l => Assert.NotEqual(RunOverlay.PathColor, l.Color));
        Assert.Empty(cut.FindAll("[data-testid=chat-dismiss-overlay]"));
    }

    [Fact]
    public void Send_QuestionLongerThanTheApiAccepts_SaysSoAndDoesNotRun()
    {
        // Arrange
        var cut = RenderPanel();
        var tooLong = new string('a', new WorkflowStudio.Api.ApiOptions().MaxQueryLength + 1);

        // Act
        Ask(cut, tooLong);

        // Assert
        Assert.Contains("4,001 characters", cut.Find("[data-testid=chat-too-long]").TextContent);
        Assert.Contains("at most 4,000", cut.Find("[data-testid=chat-too-long]").TextContent);
        Assert.True(cut.Find("[data-testid=chat-send]").HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-testid=chat-user]"));
        Assert.Equal(0, _llm.ChatCallCount);

        // Act: shortened, it goes.
        Ask(cut, tooLong[..4000]);

        // Assert
        Assert.Empty(cut.FindAll("[data-testid=chat-too-long]"));
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);
    }

    [Fact]
    public void Send_ShiftEnter_DoesNotSend()
    {
        // Arrange
        var cut = RenderPanel();
        cut.Find("[data-testid=chat-input]").Input("first line");

        // Act
        cut.Find("[data-testid=chat-input]").KeyDown(new KeyboardEventArgs { Key = "Enter", ShiftKey = true });

        // Assert
        Assert.Empty(cut.FindAll("[data-testid=chat-user]"));
        Assert.Equal(0, _llm.ChatCallCount);
    }

    [Fact]
    public void Send_SlowTokens_StreamsWithCaretThenFinishes()
    {
        // Arrange
        _llm.Responder = _ => "one two three four five six seven eight";
        _llm.TokenDelay = TimeSpan.FromMilliseconds(150);
        var cut = RenderPanel();

        // Act
        Ask(cut, "count please");

        // Assert: part of the answer is visible with the caret while the rest is still coming, and Stop replaces Send.
        cut.WaitForAssertion(() =>
        {
            var text = cut.Find("[data-testid=chat-answer]").TextContent;
            Assert.Contains("one", text);
            Assert.DoesNotContain("eight", text);
            Assert.NotEmpty(cut.FindAll("[data-testid=chat-caret]"));
            Assert.NotEmpty(cut.FindAll("[data-testid=chat-stop]"));
            Assert.Empty(cut.FindAll("[data-testid=chat-send]"));
        }, Wait);
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);
        Assert.Contains("one two three four five six seven eight", cut.Find("[data-testid=chat-answer]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=chat-caret]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=chat-send]"));
    }

    [Fact]
    public async Task Stop_DuringRun_CancelsItAndRecordsItAsCancelled()
    {
        // Arrange
        _llm.Hang = true;
        var cut = RenderPanel();
        Ask(cut, "this will hang");
        // Not WaitForAssertion: it re-checks on renders, and a hanging model call renders nothing.
        await WaitUntilAsync(() => _llm.ChatCallCount == 1, "the model to be called");
        var runId = cut.Find("[data-testid=chat-bot]").GetAttribute("data-run-id")!;

        // Act
        cut.Find("[data-testid=chat-stop]").Click();

        // Assert
        cut.WaitForAssertion(() => Assert.Equal("stopped", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);
        Assert.NotEmpty(cut.FindAll("[data-testid=chat-send]"));
        RunDetails? recorded = null;
        await WaitUntilAsync(async () => (recorded = await Service<RunHistory>().GetAsync(runId)) is not null, "the run to be recorded");
        Assert.Equal("cancelled", recorded?.Run.Status);
    }

    [Fact]
    public async Task Send_Question_RecordsTheRunAsAskedByTheSignedInUser()
    {
        // Arrange
        var cut = RenderPanel();

        // Act
        Ask(cut, "Where is my parcel?");
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);
        var runId = cut.Find("[data-testid=chat-bot]").GetAttribute("data-run-id")!;
        RunDetails? recorded = null;
        await WaitUntilAsync(async () => (recorded = await Service<RunHistory>().GetAsync(runId)) is not null, "the run to be recorded");

        // Assert
        Assert.Equal("admin@studio.test", recorded?.Run.StartedBy);
        Assert.Equal(RunSources.Studio, recorded?.Run.Source);
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static Task WaitUntilAsync(Func<Task<bool>> condition, string what) => Eventually.WaitUntilAsync(condition, Wait, what);

    [Fact]
    public void NewConversation_AfterARun_ClearsMessagesAndStartsAFreshConversationId()
    {
        // Arrange
        var cut = RenderPanel();
        Ask(cut, "hello");
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);
        var before = cut.Instance.ConversationId;

        // Act
        cut.Find("[data-testid=chat-new-conversation]").Click();

        // Assert: Click does not wait for a dispatch queued behind the run's last callbacks, so wait for the render.
        cut.WaitForAssertion(() => Assert.NotEqual(before, cut.Instance.ConversationId), Wait);
        Assert.Empty(cut.FindAll("[data-testid=chat-bot]"));
        Assert.Empty(cut.FindAll("[data-testid=chat-user]"));
        Assert.Equal("0", cut.Find("[data-testid=chat-summary]").GetAttribute("data-runs"));
    }

    [Fact]
    public void Send_SameConversation_PassesEarlierTurnsToTheModel()
    {
        // Arrange
        var cut = RenderPanel();
        Ask(cut, "my name is Ada");
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);

        // Act
        Ask(cut, "what is my name?");

        // Assert
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=chat-bot][data-state=done]").Count), Wait);
        Assert.Contains(_llm.LastChatRequest!.Messages, m => m.Role == "user" && m.Content.Contains("my name is Ada", StringComparison.Ordinal));
    }

    [Fact]
    public void Send_HostileQuestionAndAnswer_RendersThemAsTextNotMarkup()
    {
        // Arrange
        _llm.Responder = _ => "<script>alert('a')</script> and <img src=x onerror=alert(1)> **bold**";
        var cut = RenderPanel();

        // Act
        Ask(cut, "<script>alert('q')</script><img src=x onerror=alert(2)>");

        // Assert
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);
        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
        Assert.Empty(cut.FindAll("[onerror]"));
        Assert.Contains("<script>alert('q')</script>", cut.Find("[data-testid=chat-user] .wf-chat-text").TextContent);
        Assert.Contains("<script>alert('a')</script>", cut.Find("[data-testid=chat-answer]").TextContent);
        Assert.NotNull(cut.Find("[data-testid=chat-answer] strong"));
    }

    [Fact]
    public void Send_LlmServerFails_ShowsPlainErrorAndRetryAnswers()
    {
        // Arrange
        _llm.FailAlways(500);
        var cut = RenderPanel();

        // Act
        Ask(cut, "are you there?");

        // Assert: a clear message, no stack trace; Retry runs the question again.
        cut.WaitForAssertion(() => Assert.Equal("failed", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);
        var error = cut.Find("[data-testid=chat-error]").TextContent;
        Assert.Contains("could not be reached or refused the request", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\bat [\w.`<>]+\(", error); // no stack-trace frame ("at Namespace.Type.Method(")
        Assert.Equal(3, _llm.ChatCallCount); // the first call and two retries
        _llm.Reset();
        _llm.Responder = _ => "Yes, I am here.";
        cut.Find("[data-testid=chat-retry]").Click();
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=chat-bot]").GetAttribute("data-state")), Wait);
        Assert.Contains("Yes, I am here.", cut.Find("[data-testid=chat-answer]").TextContent);
        Assert.Single(cut.FindAll("[data-testid=chat-user]"));
    }

    [Fact]
    public void Render_GraphWithProblems_SaysWhyAndCannotSend()
    {
        // Arrange
        Session.Replace(Session.Graph with { Edges = [new Edge("start", "llm")] });
        Session.SetProblems(Services.GetRequiredService<GraphValidator>().Validate(Session.Graph));

        // Act
        var cut = RenderPanel();

        // Assert
        Assert.NotEmpty(Session.Problems);
        Assert.Contains(Session.Problems[0].Message, cut.Find("[data-testid=chat-blocked]").TextContent);
        Assert.True(cut.Find("[data-testid=chat-input]").HasAttribute("disabled"));
        Assert.True(cut.Find("[data-testid=chat-send]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Hub_TwoRunsOfTheSameWorkflow_EachSubscriberSeesOnlyItsOwnRun()
    {
        // Arrange
        var hub = Services.GetRequiredService<RunHub>();
        var graph = RunServiceHost.ChatGraph();
        var a = new WorkflowEngine.Execution.RunRequest("wf-chat", "a");
        var b = new WorkflowEngine.Execution.RunRequest("wf-chat", "b");
        var seenA = new System.Collections.Concurrent.ConcurrentBag<string>();
        var seenB = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var subA = hub.Subscribe(a.RunId, e => { seenA.Add(e.RunId); return Task.CompletedTask; });
        using var subB = hub.Subscribe(b.RunId, e => { seenB.Add(e.RunId); return Task.CompletedTask; });

        // Act
        var runA = hub.Start(graph, a);
        var runB = hub.Start(graph, b);
        await Task.WhenAll(runA.Completion, runB.Completion);
        await WaitUntilAsync(() => !seenA.IsEmpty && !seenB.IsEmpty, "both subscribers to see events");

        // Assert
        Assert.NotEmpty(seenA);
        Assert.NotEmpty(seenB);
        Assert.All(seenA, id => Assert.Equal(a.RunId, id));
        Assert.All(seenB, id => Assert.Equal(b.RunId, id));
    }

    [Fact]
    public async Task Hub_SubscriberThrows_RunStillCompletesAndIsRecorded()
    {
        // Arrange
        var hub = Services.GetRequiredService<RunHub>();
        var request = new WorkflowEngine.Execution.RunRequest("wf-chat", "boom");
        using var sub = hub.Subscribe(request.RunId, _ => throw new ObjectDisposedException("circuit"));

        // Act
        var handle = hub.Start(RunServiceHost.ChatGraph(), request);
        var run = await handle.Completion;
        await handle.Recorded;

        // Assert
        Assert.Equal("succeeded", run.Status);
        Assert.NotNull(await Services.GetRequiredService<RunHistory>().GetAsync(request.RunId));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _llm.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
