using Bunit;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowStudio.Components.Chat;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Components.Pages.Runs;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Tests.Pages.Runs;

/// <summary>The Runs detail page replays a recorded run on the workflow's canvas, on the real SQLite stores.</summary>
public sealed class RunDetailsPageTests : StudioTestContext
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    protected override void ConfigureServices(IServiceCollection services)
    {
        UseStudioDatabase();
        services.AddWorkflowEditor();
        services.AddWorkflowRuns();
    }

    private static RunTraceEntry Ran(string id, string? cache = "bypass", string? level = null, double ms = 1, double? savedMs = null,
        IReadOnlyDictionary<string, string>? details = null) =>
        new(id, id, id, RunTraceEntry.Succeeded, cache, level, ms, null, null, savedMs, null, null, details)
        {
            // The response cache continues on the port named like its outcome.
            Port = id == "cache" ? cache : null,
        };

    private static RunTraceEntry Skipped(string id) =>
        new(id, id, id, RunTraceEntry.Skipped, null, null, 0, null, null, null, null, "The cache answered, so this step was not needed.", null);

    private static RunTraceEntry Failed(string id, string error) =>
        new(id, id, id, RunTraceEntry.Failed, null, null, 30_000, null, null, null, null, error, null);

    /// <summary>Stores a run of <paramref name="workflowId"/> started now (the test clock) with <paramref name="trace"/>.</summary>
    private Task<string> RecordAsync(string workflowId, params RunTraceEntry[] trace) => RecordAsync(workflowId, null, trace);

    private async Task<string> RecordAsync(string workflowId, string? startedBy, params RunTraceEntry[] trace)
    {
        var runId = Guid.NewGuid().ToString("n");
        var failed = trace.FirstOrDefault(t => t.Status == RunTraceEntry.Failed);
        var run = new CompletedRun(runId, workflowId, "conv-1", "How do I get a refund?", failed is null ? "succeeded" : "failed",
            failed is null ? "Refunds take five days." : null, failed?.Detail, failed?.NodeId, failed?.Type, Time.GetUtcNow(), 900, trace);
        await Service<RunRecorder>().RecordAsync(run, RunSources.Studio, "FAQ bot", startedBy);
        return runId;
    }

    private async Task<string> SaveFaqBotAsync() => (await Service<WorkflowStore>().CreateAsync(SampleWorkflows.FaqBot("kb-1"))).Id;

    private IRenderedComponent<RunDetailsPage> RenderPage(string runId)
    {
        var page = Render<RunDetailsPage>(p => p.Add(x => x.RunId, runId));
        page.WaitForElement("[data-testid=run-replay] .wf-node[data-node-id=answer]", Wait);
        return page;
    }

    private static string Pill(IRenderedComponent<RunDetailsPage> page, string nodeId) =>
        page.Find($"[data-testid=run-replay] .wf-node[data-node-id={nodeId}] [data-testid=node-overlay]").TextContent.Trim();

    private static WorkflowLinkModel Link(IRenderedComponent<RunDetailsPage> page, string from, string to) =>
        page.FindComponent<RunReplayCanvas>().Instance.Diagram.Links.OfType<WorkflowLinkModel>().Single(l => l.Edge!.From == from && l.Edge.To == to);

    [Fact]
    public async Task Render_RunAskedByAUser_SaysWhoAsked()
    {
        // Arrange
        var workflowId = await SaveFaqBotAsync();
        var runId = await RecordAsync(workflowId, "ada@studio.test", Ran("start"), Ran("clean"), Ran("cache", "miss"), Ran("retrieve", "miss"),
            Ran("template", "miss"), Ran("llm", "miss"), Ran("answer"));

        // Act
        var page = RenderPage(runId);

        // Assert
        Assert.Contains("studio · asked by ada@studio.test · succeeded", page.Find("[data-testid=run-facts]").TextContent);
    }

    [Fact]
    public async Task Render_MissRun_ShowsHitAndMissPillsWithLevelAndTimeAndThePathTaken()
    {
        // Arrange
        var workflowId = await SaveFaqBotAsync();
        var runId = await RecordAsync(workflowId,
            Ran("start"), Ran("clean"), Ran("cache", "miss", ms: 3), Ran("retrieve", "hit", "L2", 2, savedMs: 800),
            Ran("template", "hit", "L1", 0.3, savedMs: 1), Ran("llm", "miss", ms: 812), Ran("answer"));

        // Act
        var page = RenderPage(runId);

        // Assert
        Assert.Equal("HIT L2 · 2 ms", Pill(page, "retrieve"));
        Assert.Equal("HIT L1 · 0.3 ms", Pill(page, "template"));
        Assert.Equal("MISS · 812 ms", Pill(page, "llm"));
        Assert.Equal("MISS · 3 ms", Pill(page, "cache"));
        Assert.Contains("saved 800 ms", page.Find("[data-testid=run-replay] .wf-node[data-node-id=retrieve] [data-testid=node-overlay]").GetAttribute("title"));
        Assert.Equal(RunOverlay.PathColor, Link(page, "cache", "retrieve").Color);
        Assert.Equal(RunOverlay.PathColor, Link(page, "llm", "answer").Color);
        Assert.NotEqual(RunOverlay.PathColor, Link(page, "cache", "answer").Color); // the gate left by "miss", not "hit"
        Assert.Contains("as it is now (version 1)", page.Find("[data-testid=run-replay-version]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=run-replay-missing]"));
    }

    [Fact]
    public async Task Render_CacheGateHitRun_ShowsSkippedStepsAndTheMatchedQuestionOnHover()
    {
        // Arrange
        var workflowId = await SaveFaqBotAsync();
        var runId = await RecordAsync(workflowId,
            Ran("start"), Ran("clean"),
            Ran("cache", "hit", "L1", 0.4, savedMs: 1600, details: new Dictionary<string, string> { ["matchedQuestion"] = "how can i get a refund", ["similarity"] = "0.93" }),
            Skipped("retrieve"), Skipped("template"), Skipped("llm"), Ran("answer"));

        // Act
        var page = RenderPage(runId);

        // Assert
        Assert.Equal("HIT L1 · 0.4 ms", Pill(page, "cache"));
        var tooltip = page.Find("[data-testid=run-replay] .wf-node[data-node-id=cache] [data-testid=node-overlay]").GetAttribute("title");
        Assert.Contains("matched 'how can i get a refund' (similarity 0.93)", tooltip);
        foreach (var id in new[] { "retrieve", "template", "llm" })
        {
            Assert.Equal("skipped", Pill(page, id));
            Assert.Contains("wf-node-skipped", page.Find($"[data-testid=run-replay] .wf-node[data-node-id={id}]").ClassList);
        }
        Assert.Equal(RunOverlay.PathColor, Link(page, "cache", "answer").Color);
        Assert.NotEqual(RunOverlay.PathColor, Link(page, "cache", "retrieve").Color);
    }

    [Fact]
    public async Task Render_FailedRun_ShowsNegativeHitAndFailedStepWithItsMessageOnHover()
    {
        // Arrange
        var workflowId = await SaveFaqBotAsync();
        var runId = await RecordAsync(workflowId,
            Ran("start"), Ran("clean"), Ran("cache", "miss"), Ran("retrieve", "negative-hit", "L1", 0.2), Ran("template", "miss"),
            Failed("llm", "The language model did not answer in time (60 s)."));

        // Act
        var page = RenderPage(runId);

        // Assert
        Assert.Equal("NOT FOUND (cached)", Pill(page, "retrieve"));
        Assert.Equal("FAILED", Pill(page, "llm"));
        Assert.Equal("The language model did not answer in time (60 s).",
            page.Find("[data-testid=run-replay] .wf-node[data-node-id=llm] [data-testid=node-overlay]").GetAttribute("title"));
        Assert.Empty(page.FindAll("[data-testid=run-replay] .wf-node[data-node-id=answer] [data-testid=node-overlay]"));
    }

    [Fact]
    public async Task Render_WorkflowChangedAfterTheRun_ReplaysOnTheVersionSavedBeforeIt()
    {
        // Arrange: version 1 has the llm step; the run uses it; version 2 (saved later) drops it.
        var store = Service<WorkflowStore>();
        var workflowId = await SaveFaqBotAsync();
        Time.Advance(TimeSpan.FromMinutes(1));
        var runId = await RecordAsync(workflowId, Ran("start"), Ran("clean"), Ran("cache", "miss"), Ran("retrieve", "miss"),
            Ran("template", "miss"), Ran("llm", "miss", ms: 700), Ran("answer"));
        Time.Advance(TimeSpan.FromMinutes(1));
        var v1 = (await store.GetAsync(workflowId))!.Graph;
        var v2 = v1 with
        {
            Nodes = [.. v1.Nodes.Where(n => n.Id != "llm")],
            Edges = [.. v1.Edges.Where(e => e.From != "llm" && e.To != "llm"), new Edge("template", "answer")],
        };
        Assert.Equal(SaveStatus.Saved, (await store.SaveAsync(workflowId, v2, expectedVersion: 1)).Status);

        // Act
        var page = RenderPage(runId);

        // Assert
        Assert.Equal("MISS · 700 ms", Pill(page, "llm"));
        Assert.Contains("version 1 of the workflow", page.Find("[data-testid=run-replay-version]").TextContent);
    }

    [Fact]
    public async Task Render_RunUsedAStepTheWorkflowNoLongerHas_SaysSoAndReplaysTheRest()
    {
        // Arrange: a test-chat run of unsaved edits (an extra step) on a saved workflow.
        var workflowId = await SaveFaqBotAsync();
        var runId = await RecordAsync(workflowId, Ran("start"), Ran("clean"), Ran("extra-step", "miss"), Ran("cache", "miss"), Ran("answer"));

        // Act
        var page = RenderPage(runId);

        // Assert
        Assert.Contains("extra-step", page.Find("[data-testid=run-replay-missing]").TextContent);
        Assert.Equal("MISS · 1 ms", Pill(page, "cache"));
    }

    [Fact]
    public async Task Render_WorkflowDeleted_SaysTheCanvasCannotBeShownAndKeepsTheTrace()
    {
        // Arrange: deleting a workflow deletes its runs, but a run still being recorded then can land after it.
        var runId = await RecordAsync("wf-deleted", Ran("start"), Ran("answer"));

        // Act
        var page = Render<RunDetailsPage>(p => p.Add(x => x.RunId, runId));

        // Assert
        page.WaitForElement("[data-testid=run-replay-unavailable]", Wait);
        Assert.Empty(page.FindAll("[data-testid=run-replay]"));
        Assert.Equal(2, page.FindAll("[data-testid=run-trace] tr.wf-trace-row").Count);
    }
}
