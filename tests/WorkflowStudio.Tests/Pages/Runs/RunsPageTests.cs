using Bunit;
using Bunit.Rendering;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowStudio.Components.Pages.Runs;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Tests.Pages.Runs;

/// <summary>The Runs page on the real SQLite stores: the list, its filters (workflow, outcome, date) and opening a run.</summary>
public sealed class RunsPageTests : StudioTestContext
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    protected override void ConfigureServices(IServiceCollection services)
    {
        UseStudioDatabase();
        services.AddWorkflowRuns();
    }

    private async Task<string> RecordAsync(string workflowId, string name, string status, string query, string? startedBy = null)
    {
        var runId = Guid.NewGuid().ToString("n");
        RunTraceEntry[] trace = [new("start", "start", "Start", RunTraceEntry.Succeeded, "bypass", null, 1, null, null, null, null, null, null)];
        var run = new CompletedRun(runId, workflowId, "conv", query, status, status == "succeeded" ? "An answer." : null,
            status == "failed" ? "The model failed." : null, null, null, Time.GetUtcNow(), 10, trace);
        await Service<RunRecorder>().RecordAsync(run, startedBy?.StartsWith("API", StringComparison.Ordinal) == true ? RunSources.Api : RunSources.Studio, name, startedBy);
        Time.Advance(TimeSpan.FromMinutes(1));
        return runId;
    }

    private async Task<(string A, string B)> ArrangeRunsAsync()
    {
        var store = Service<WorkflowStore>();
        var a = await store.CreateAsync(new WorkflowGraph { Name = "Shop bot" });
        var b = await store.CreateAsync(new WorkflowGraph { Name = "HR bot" });
        await RecordAsync(a.Id, "Shop bot", "succeeded", "Where is my parcel?");
        await RecordAsync(a.Id, "Shop bot", "failed", "Can I pay later?");
        await RecordAsync(b.Id, "HR bot", "succeeded", "How many holidays do I have?");
        return (a.Id, b.Id);
    }

    [Fact]
    public async Task Render_RunsAskedByAUserAndByARunKey_ShowsWhoAskedEach()
    {
        // Arrange
        var bot = await Service<WorkflowStore>().CreateAsync(new WorkflowGraph { Name = "Shop bot" });
        await RecordAsync(bot.Id, "Shop bot", "succeeded", "Where is my parcel?", "ada@studio.test");
        await RecordAsync(bot.Id, "Shop bot", "succeeded", "Can I pay later?", WorkflowStudio.Accounts.Actors.RunKey("wfs_abcdefgh"));

        // Act
        var page = RenderWithProviders<RunsPage>();

        // Assert: newest first
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=run-row]").Count), Wait);
        Assert.Equal(["API key wfs_abcdefgh", "ada@studio.test"], page.FindAll("[data-testid=run-started-by]").Select(c => c.TextContent.Trim()));
    }

    private static IReadOnlyList<string> Questions(IRenderedComponent<ContainerFragment> page) =>
        [.. page.FindAll("[data-testid=run-row] .wf-runs-question").Select(q => q.TextContent.Trim())];

    [Fact]
    public async Task Render_RecordedRuns_ListsThemNewestFirst()
    {
        // Arrange
        await ArrangeRunsAsync();

        // Act
        var page = RenderWithProviders<RunsPage>();

        // Assert
        page.WaitForAssertion(() => Assert.Equal(["How many holidays do I have?", "Can I pay later?", "Where is my parcel?"], Questions(page)), Wait);
        Assert.Equal(["succeeded", "failed", "succeeded"], page.FindAll("[data-testid=run-row]").Select(r => r.GetAttribute("data-status")!));
    }

    [Fact]
    public async Task Filters_WorkflowThenOutcome_NarrowTheList()
    {
        // Arrange
        var (shop, _) = await ArrangeRunsAsync();
        var page = RenderWithProviders<RunsPage>();
        page.WaitForAssertion(() => Assert.Equal(3, Questions(page).Count), Wait);
        var selects = page.FindComponents<MudSelect<string>>();

        // Act 1: the shop bot only.
        await page.InvokeAsync(() => selects[0].Instance.ValueChanged.InvokeAsync(shop));

        // Assert 1
        page.WaitForAssertion(() => Assert.Equal(["Can I pay later?", "Where is my parcel?"], Questions(page)), Wait);

        // Act 2: and only its failed runs.
        await page.InvokeAsync(() => selects[1].Instance.ValueChanged.InvokeAsync("failed"));

        // Assert 2
        page.WaitForAssertion(() => Assert.Equal(["Can I pay later?"], Questions(page)), Wait);
    }

    [Fact]
    public async Task Filters_FromADayAfterTheRuns_SayNothingMatches()
    {
        // Arrange
        await ArrangeRunsAsync();
        var page = RenderWithProviders<RunsPage>();
        page.WaitForAssertion(() => Assert.Equal(3, Questions(page).Count), Wait);

        // Act
        var from = Time.GetUtcNow().ToLocalTime().Date.AddDays(2);
        await page.InvokeAsync(() => page.FindComponents<MudDatePicker>()[0].Instance.DateChanged.InvokeAsync(from));

        // Assert
        page.WaitForAssertion(() => Assert.Contains("match these filters", page.Find("[data-testid=runs-empty]").TextContent), Wait);
        Assert.Empty(page.FindAll("[data-testid=run-row]"));
    }

    [Fact]
    public async Task Row_Clicked_OpensThatRun()
    {
        // Arrange
        await ArrangeRunsAsync();
        var page = RenderWithProviders<RunsPage>();
        page.WaitForAssertion(() => Assert.Equal(3, Questions(page).Count), Wait);
        var row = page.FindAll("[data-testid=run-row]")[1];
        var runId = row.GetAttribute("data-run-id");

        // Act
        row.Click();

        // Assert
        Assert.EndsWith($"/runs/{runId}", Services.GetRequiredService<NavigationManager>().Uri);
    }
}
