using Bunit;
using Microsoft.AspNetCore.Components.Sections;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowStudio.Components.Layout;
using WorkflowStudio.Components.Pages.Editor;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Tests.Components.Pages.Editor;

/// <summary>The editor page on a real SQLite file: save, and the conflict when another tab saved first.</summary>
public sealed class EditorPageTests : EditorTestContext
{
    protected override void ConfigureServices(IServiceCollection services)
    {
        base.ConfigureServices(services);
        UseStudioDatabase();
        services.AddWorkflowRuns();
    }

    private WorkflowStore Store => Services.GetRequiredService<WorkflowStore>();

    [Fact]
    public async Task Open_WorkflowWithARecordedRun_LastRunTabShowsWhatTheStepDidInIt()
    {
        // Arrange: a run recorded earlier (another visit, or the API), in which the llm step missed.
        var stored = await Store.CreateAsync(SampleWorkflows.FaqBot("kb-1"));
        RunTraceEntry Ran(string id, string cache) => new(id, id, id, RunTraceEntry.Succeeded, cache, null, 12, null, null, null, null, null, null);
        await Services.GetRequiredService<WorkflowStudio.Runs.RunRecorder>().RecordAsync(
            new WorkflowStudio.Runs.CompletedRun("run-earlier", stored.Id, "conv-1", "How do I get a refund?", "succeeded", "Five days.", null, null, null,
                Time.GetUtcNow(), 900, [Ran("start", "bypass"), Ran("llm", "miss"), Ran("answer", "bypass")]),
            WorkflowStudio.Runs.RunSources.Api, "FAQ bot");

        // Act
        var page = RenderEditor(stored.Id);
        page.WaitForElement("[data-testid=editor]");
        Session.Select(["llm"]);

        // Assert
        page.WaitForAssertion(() => Assert.Equal(WorkflowStudio.Components.Chat.RunOverlay.Miss,
            page.Find("[data-testid=node-last-run-outcome]").GetAttribute("data-state")));
        Assert.Equal("run-earlier", Session.LastRun?.RunId);
        Assert.Contains("How do I get a refund?", page.Find("[data-testid=node-last-run]").TextContent);
    }

    [Fact]
    public async Task SaveButton_AfterAnEdit_SavesNextVersionAndClearsTheUnsavedDot()
    {
        // Arrange
        var stored = await Store.CreateAsync(SampleWorkflows.FaqBot("kb-1"));
        var page = RenderEditor(stored.Id);
        page.WaitForElement("[data-testid=editor]");
        Session.UpdateNode("template", n => n with { Cache = new NodeCacheSettings(true, 60) });
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("[data-testid=save-state]").GetAttribute("data-dirty")));

        // Act
        page.Find("[data-testid=save] button, button[data-testid=save]").Click();

        // Assert
        page.WaitForAssertion(() => Assert.Equal("false", page.Find("[data-testid=save-state]").GetAttribute("data-dirty")));
        var saved = (await Store.GetAsync(stored.Id))!;
        Assert.Equal(stored.Version + 1, saved.Version);
        Assert.Equal(new NodeCacheSettings(true, 60), saved.Graph.FindNode("template")!.Cache);
        Assert.Equal(saved.Version, Session.Version);
        Assert.Equal("admin@studio.test", (await Store.ListVersionsAsync(stored.Id))[0].SavedBy); // the signed-in user
    }

    [Fact]
    public async Task Save_AsEditorWithANewLlmBaseUrl_RefusedWithTheReasonAndNothingSaved()
    {
        // Arrange
        Authorization.SetRoles(WorkflowStudio.Accounts.StudioRoles.Editor);
        var stored = await Store.CreateAsync(SampleWorkflows.FaqBot("kb-1"));
        var page = RenderEditor(stored.Id);
        page.WaitForElement("[data-testid=editor]");
        Session.UpdateNode("llm", n => n with { Settings = System.Text.Json.JsonSerializer.SerializeToElement(new { baseUrl = "http://169.254.169.254/v1", model = "m" }) });
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("[data-testid=save-state]").GetAttribute("data-dirty")));

        // Act
        page.Find("[data-testid=save] button, button[data-testid=save]").Click();

        // Assert
        page.WaitForAssertion(() => Assert.Contains(WorkflowStudio.Providers.OutboundUrlGuard.RefusedMessage, page.Markup));
        Assert.Equal(stored.Version, (await Store.GetAsync(stored.Id))!.Version);
        Assert.Equal("true", page.Find("[data-testid=save-state]").GetAttribute("data-dirty"));
    }

    [Fact]
    public async Task Save_AfterAnotherTabSaved_AsksAndOverwritesWhenChosen()
    {
        // Arrange, Act: this tab loads version 1, another tab saves version 2, this tab saves and is asked.
        var (stored, page) = await SaveIntoConflictAsync();
        page.Find("[data-testid=conflict-overwrite]").Click();

        // Assert: nothing was lost silently; the user chose, and theirs stays in the history.
        page.WaitForAssertion(() => Assert.False(Session.IsDirty));
        var saved = (await Store.GetAsync(stored.Id))!;
        Assert.Equal("Mine", saved.Graph.Name);
        Assert.Equal(3, saved.Version);
        Assert.Equal("Theirs", (await Store.GetVersionAsync(stored.Id, 2))!.Name);
    }

    [Fact]
    public async Task Save_AfterAnotherTabSaved_ReloadShowsTheirVersion()
    {
        // Arrange, Act: as above, then reload instead.
        var (stored, page) = await SaveIntoConflictAsync();
        page.Find("[data-testid=conflict-reload]").Click();

        // Assert
        page.WaitForAssertion(() => Assert.Equal("Theirs", Session.Graph.Name));
        Assert.False(Session.IsDirty);
        Assert.Equal(2, Session.Version);
        Assert.Equal(2, (await Store.GetAsync(stored.Id))!.Version);
    }

    [Fact]
    public void UnknownWorkflow_SaysItDoesNotExist()
    {
        // Act
        var page = RenderEditor("no-such-workflow");

        // Assert
        page.WaitForAssertion(() => Assert.Contains("does not exist", page.Find("[data-testid=editor-not-found]").TextContent));
    }

    /// <summary>Opens the sample bot (version 1), lets "another tab" save version 2 named "Theirs", renames this tab's copy
    /// "Mine", presses Save and waits for the conflict question.</summary>
    private async Task<(StoredWorkflow Stored, IRenderedComponent<Bunit.Rendering.ContainerFragment> Page)> SaveIntoConflictAsync()
    {
        var stored = await Store.CreateAsync(SampleWorkflows.FaqBot("kb-1"));
        var page = RenderEditor(stored.Id);
        page.WaitForElement("[data-testid=editor]");
        await Store.SaveAsync(stored.Id, stored.Graph with { Name = "Theirs" }, stored.Version);
        Session.Rename("Mine");
        page.Find("[data-testid=save] button, button[data-testid=save]").Click();
        page.WaitForAssertion(() => Assert.Contains("changed elsewhere", page.Markup));
        return (stored, page);
    }

    private IRenderedComponent<Bunit.Rendering.ContainerFragment> RenderEditor(string id) =>
        RenderWithProviders<EditorPage>(new Dictionary<string, object?> { [nameof(EditorPage.Id)] = id }, before: builder =>
        {
            builder.OpenComponent<SectionOutlet>(0);
            builder.AddAttribute(1, nameof(SectionOutlet.SectionName), MainLayout.AppBarSection);
            builder.CloseComponent();
        });
}
