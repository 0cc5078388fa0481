using Bunit;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowStudio.Components.Pages.Cache;
using WorkflowStudio.Samples;

namespace WorkflowStudio.Tests.Pages.Cache;

/// <summary>The Cache page on the real engine (L1 cache, offline responder) and the sample FAQ bot saved in SQLite.</summary>
public sealed class CachePageTests : StudioTestContext
{
    protected override void ConfigureServices(IServiceCollection services) => UseStudioDatabase();

    [Fact]
    public void Render_NothingRunYet_ShowsWhatToDoNext()
    {
        // Act
        var cut = RenderWithProviders<CachePage>();

        // Assert
        var empty = cut.WaitForElement("[data-testid=cache-empty]");
        Assert.Contains("Run a workflow in the test chat to see what the cache saves", empty.TextContent);
        Assert.Empty(cut.FindAll("[data-testid=cache-table]"));
    }

    [Fact]
    public void Render_NoWrongAnswerReports_ZeroAndHowToReport()
    {
        // Act
        var cut = RenderWithProviders<CachePage>();

        // Assert
        var reports = cut.WaitForElement("[data-testid=cache-reports]");
        Assert.Equal("0", reports.GetAttribute("data-count"));
        Assert.Equal("0", cut.Find("[data-testid=cache-reports-count]").TextContent.Trim());
        Assert.Contains("press “Wrong answer” under it", cut.Find("[data-testid=cache-reports-empty]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=cache-report]"));
    }

    [Fact]
    public async Task Render_AfterTwoWrongAnswerReports_CountsThemAndListsThePairsNewestFirst()
    {
        // Arrange: one answer served for another question, one the workflow wrote and stored.
        var bot = await SeedSampleBotAsync();
        var responses = Service<ResponseCache>();
        await responses.ReportWrongAsync(new GateAnswer(bot.Id, "cache", "semantic", "scope", "how do i cancel my account", "how do i cancel my order", Served: true));
        await responses.ReportWrongAsync(new GateAnswer(bot.Id, "cache", "exact", "scope", "what are your opening hours", "what are your opening hours", Served: false));

        // Act
        var cut = RenderWithProviders<CachePage>();

        // Assert
        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find("[data-testid=cache-reports-count]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=cache-reports-empty]"));
        var rows = cut.FindAll("[data-testid=cache-report]").Select(r => r.TextContent).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Contains("what are your opening hours", rows[0]);
        Assert.Contains("worked out by the workflow", rows[0]);
        Assert.Contains("how do i cancel my account", rows[1]);
        Assert.Contains("how do i cancel my order", rows[1]);
        Assert.Contains(bot.Graph.Name, rows[1]);
    }

    [Fact]
    public async Task Render_AfterTwoRunsOfTheSameQuestion_ShowsPerNodeFigures()
    {
        // Arrange
        var bot = await SeedSampleBotAsync();
        var runner = Service<WorkflowRunner>();
        var first = await runner.RunToCompletionAsync(bot.Graph, new RunRequest(bot.Id, "How do I get a refund?"));
        var second = await runner.RunToCompletionAsync(bot.Graph, new RunRequest(bot.Id, "  HOW DO I GET A REFUND ???  "));
        Assert.True(first.Succeeded, first.Error);
        Assert.True(second.Succeeded, second.Error);

        // Act
        var cut = RenderWithProviders<CachePage>();

        // Assert
        var workflow = cut.WaitForElement("[data-testid=cache-workflow]");
        Assert.Equal(bot.Id, workflow.GetAttribute("data-workflow"));
        Assert.Contains(bot.Graph.Name, workflow.QuerySelector("h2")!.TextContent);
        Assert.Contains("answered from cache", cut.Find("[data-testid=cache-summary]").TextContent);
        var gate = Row(cut, "cache");
        Assert.Equal("1", Cell(gate, "cache-hits"));
        Assert.Equal("1", Cell(gate, "cache-misses"));
        Assert.Equal("0", Cell(gate, "cache-errors"));
        Assert.Contains("50", Cell(gate, "cache-ratio"));
        Assert.Contains(bot.Graph.FindNode("cache")!.Title, Cell(gate, "cache-node"));
        var llm = Row(cut, "llm");
        Assert.Equal("0", Cell(llm, "cache-hits"));
        Assert.Equal("1", Cell(llm, "cache-misses"));
        Assert.Equal("–", Cell(llm, "cache-time-saved"));
        Assert.NotNull(gate.QuerySelector("[data-testid=clear-cache][data-node=cache]"));
        // Rows in the workflow's order; "Clear" only on the steps that keep results (start and clean do not cache).
        var order = bot.Graph.Nodes.Select(n => n.Id).ToList();
        var shown = cut.FindAll("[data-testid=cache-node]").Select(c => c.GetAttribute("data-node")!).ToList();
        Assert.Equal(shown.OrderBy(order.IndexOf), shown);
        Assert.Empty(cut.FindAll("[data-testid=cache-workflow] [data-testid=clear-cache][data-node=start]"));
        Assert.Empty(cut.FindAll("[data-testid=cache-workflow] [data-testid=clear-cache][data-node=clean]"));
        Assert.NotNull(llm.QuerySelector("[data-testid=clear-cache][data-node=llm]"));
    }

    [Fact]
    public async Task ClearWorkflow_ConfirmedAfterACancel_AsksFirstThenTheNextRunMisses()
    {
        // Arrange: the answer is cached by the gate.
        var bot = await SeedSampleBotAsync();
        var runner = Service<WorkflowRunner>();
        await runner.RunToCompletionAsync(bot.Graph, new RunRequest(bot.Id, "How do I get a refund?"));
        var cut = RenderWithProviders<CachePage>();
        cut.WaitForElement("[data-testid=cache-workflow]");

        // Act: ask, then cancel.
        WorkflowClearButton(cut).Click();
        var question = cut.WaitForElement(".mud-dialog").TextContent;
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-dialog")));
        var afterCancel = await GateStatusAsync(runner, bot.Graph, bot.Id);

        // Act: ask again and confirm.
        WorkflowClearButton(cut).Click();
        cut.WaitForElement(".mud-dialog");
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Clear cache").Click();
        cut.WaitForAssertion(() => Assert.Contains("Cleared the cache of", cut.Markup));
        var afterClear = await GateStatusAsync(runner, bot.Graph, bot.Id);

        // Assert
        Assert.Contains("Clear this workflow's cache?", question);
        Assert.Contains(bot.Graph.Name, question);
        Assert.Equal(CacheStatus.Hit, afterCancel);
        Assert.Equal(CacheStatus.Miss, afterClear);
    }

    [Fact]
    public async Task ClearNode_Confirmed_OnlyThatNodeRunsAgain()
    {
        // Arrange: the gate's answer and the model's reply are both cached.
        var bot = await SeedSampleBotAsync();
        var runner = Service<WorkflowRunner>();
        await runner.RunToCompletionAsync(bot.Graph, new RunRequest(bot.Id, "How do I get a refund?"));
        var cut = RenderWithProviders<CachePage>();
        cut.WaitForElement("[data-testid=cache-workflow]");

        // Act
        Row(cut, "cache").QuerySelector("[data-testid=clear-cache]")!.Click();
        var question = cut.WaitForElement(".mud-dialog").TextContent;
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Clear cache").Click();
        cut.WaitForAssertion(() => Assert.Contains("Cleared the cache of the step", cut.Markup));
        var events = new List<WorkflowEvent>();
        await runner.RunToCompletionAsync(bot.Graph, new RunRequest(bot.Id, "How do I get a refund?"), e =>
        {
            events.Add(e);
            return ValueTask.CompletedTask;
        });

        // Assert: the gate forgot the answer, the model's cached reply is still there.
        Assert.Contains("Clear this step's cache?", question);
        var outcomes = events.OfType<NodeSucceeded>().ToDictionary(e => e.NodeId, e => e.Cache.Status);
        Assert.Equal(CacheStatus.Miss, outcomes["cache"]);
        Assert.Equal(CacheStatus.Hit, outcomes["llm"]);
    }

    /// <summary>Seeds the sample bot and waits until its knowledge base is indexed: every indexed article bumps the
    /// knowledge base's version, which (rightly) makes cached retrieval and answers miss.</summary>
    private async Task<WorkflowEngine.Persistence.StoredWorkflow> SeedSampleBotAsync()
    {
        var bot = await Service<StudioSamples>().SeedAsync();
        await Service<WorkflowEngine.Knowledge.KnowledgeBaseService>().WaitForIndexingAsync(WorkflowEngine.Knowledge.SampleKnowledgeBase.Id);
        return bot;
    }

    private static AngleSharp.Dom.IElement WorkflowClearButton(IRenderedComponent<Bunit.Rendering.ContainerFragment> cut) =>
        cut.FindAll("[data-testid=cache-workflow] [data-testid=clear-cache]").Single(b => !b.HasAttribute("data-node"));

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<Bunit.Rendering.ContainerFragment> cut, string nodeId) =>
        cut.Find($"[data-testid=cache-node][data-node={nodeId}]").ParentElement!;

    private static string Cell(AngleSharp.Dom.IElement row, string testId) => row.QuerySelector($"[data-testid={testId}]")!.TextContent.Trim();

    private static async Task<CacheStatus> GateStatusAsync(WorkflowRunner runner, WorkflowEngine.Graphs.WorkflowGraph graph, string workflowId)
    {
        var status = CacheStatus.Bypass;
        var result = await runner.RunToCompletionAsync(graph, new RunRequest(workflowId, "How do I get a refund?"), e =>
        {
            if (e is NodeSucceeded { NodeId: "cache" } gate)
            {
                status = gate.Cache.Status;
            }
            return ValueTask.CompletedTask;
        });
        Assert.True(result.Succeeded, result.Error);
        return status;
    }
}
