using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Persistence;
using WorkflowStudio.Components.Pages.Workflows;
using WorkflowStudio.Samples;

namespace WorkflowStudio.Tests.Pages.Workflows;

public sealed class WorkflowsPageTests : StudioTestContext
{
    protected override void ConfigureServices(IServiceCollection services) => UseStudioDatabase();

    [Fact]
    public void Render_NoWorkflows_ShowsEmptyStateWithWaysToStart()
    {
        // Act
        var cut = RenderWithProviders<WorkflowsPage>();

        // Assert
        var empty = cut.WaitForElement("[data-testid=empty-state]");
        Assert.Contains("No workflows yet", empty.TextContent);
        Assert.NotNull(empty.QuerySelector("[data-testid=empty-sample]"));
        Assert.NotNull(empty.QuerySelector("[data-testid=empty-blank]"));
        Assert.Empty(cut.FindAll("[data-testid=workflow-list]"));
    }

    [Fact]
    public async Task Render_WithWorkflows_ListsNameDescriptionNodeCountAndLastEdit()
    {
        // Arrange
        var store = Service<WorkflowStore>();
        await store.CreateAsync(await Service<StudioSamples>().FaqBotAsync());
        Time.Advance(TimeSpan.FromMinutes(5));
        await store.CreateAsync(StudioSamples.Blank("Returns helper"));
        Time.Advance(TimeSpan.FromMinutes(2));

        // Act
        var cut = RenderWithProviders<WorkflowsPage>();

        // Assert: newest edit first.
        cut.WaitForElement("[data-testid=workflow-list]");
        var rows = cut.FindAll("tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Contains("Returns helper", rows[0].TextContent);
        Assert.Contains("2 minutes ago", rows[0].TextContent);
        Assert.Equal("2", rows[0].QuerySelector("td[data-label=Nodes]")!.TextContent.Trim());
        Assert.Contains(StudioSamples.FaqBotName, rows[1].TextContent);
        Assert.Contains("Answers customer questions", rows[1].TextContent);
        Assert.Equal("7", rows[1].QuerySelector("td[data-label=Nodes]")!.TextContent.Trim());
        Assert.Contains("7 minutes ago", rows[1].TextContent);
        Assert.Empty(cut.FindAll("[data-testid=empty-state]"));
    }

    [Fact]
    public async Task Delete_Clicked_AsksForConfirmationAndDeletesOnlyWhenConfirmed()
    {
        // Arrange
        var store = Service<WorkflowStore>();
        var workflow = await store.CreateAsync(StudioSamples.Blank("Doomed"));
        var cut = RenderWithProviders<WorkflowsPage>();
        cut.WaitForElement("[data-testid=workflow-list]");

        // Act: ask, then keep it.
        cut.Find("[data-testid=delete]").Click();
        var question = cut.WaitForElement(".mud-dialog").TextContent;
        var stillThereWhileAsking = await store.GetAsync(workflow.Id) is not null;
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Contains("Keep it")).Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-dialog")));
        var keptAfterCancel = await store.GetAsync(workflow.Id) is not null;

        // Act: ask again and confirm.
        cut.Find("[data-testid=delete]").Click();
        cut.WaitForElement(".mud-dialog");
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();

        // Assert
        Assert.Contains("Delete this workflow?", question);
        Assert.Contains("“Doomed”", question);
        Assert.True(stillThereWhileAsking);
        Assert.True(keptAfterCancel);
        cut.WaitForElement("[data-testid=empty-state]");
        Assert.Null(await store.GetAsync(workflow.Id));
    }

    [Fact]
    public async Task Import_MalformedJson_ShowsPlainProblemWithLineAndSavesNothing()
    {
        // Arrange: a comma missing at the end of line 2.
        var cut = RenderWithProviders<WorkflowsPage>();
        cut.WaitForElement("[data-testid=empty-state]");
        const string Broken = "{\n  \"name\": \"Broken\"\n  \"nodes\": []\n}";

        // Act
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(Broken, "broken.workflow.json"));

        // Assert
        var alert = cut.WaitForElement("[data-testid=import-problems]");
        Assert.Contains("“broken.workflow.json” could not be imported", alert.TextContent);
        Assert.Contains("line 3", alert.TextContent);
        Assert.DoesNotContain("Exception", alert.TextContent);
        Assert.DoesNotContain("   at ", alert.TextContent);
        Assert.Empty(await Service<WorkflowStore>().ListAsync());
    }

    [Fact]
    public async Task Import_WrongValueType_ShowsProblemWithItsJsonPathAndSavesNothing()
    {
        // Arrange
        var cut = RenderWithProviders<WorkflowsPage>();
        cut.WaitForElement("[data-testid=empty-state]");
        const string WrongType = """{ "schemaVersion": 1, "name": "Typed", "nodes": [ { "id": "start", "type": 42 } ], "edges": [] }""";

        // Act
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(WrongType, "typed.json"));

        // Assert
        var alert = cut.WaitForElement("[data-testid=import-problems]");
        Assert.Contains("“typed.json” could not be imported", alert.TextContent);
        Assert.Contains("nodes[0].type", alert.TextContent);
        Assert.Empty(await Service<WorkflowStore>().ListAsync());
    }

    [Fact]
    public async Task Import_ExportedWorkflow_AddsItToTheList()
    {
        // Arrange
        var json = await ExportedSampleAsync("Imported bot");
        var cut = RenderWithProviders<WorkflowsPage>();
        cut.WaitForElement("[data-testid=empty-state]");

        // Act
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(json, "bot.workflow.json"));

        // Assert
        cut.WaitForAssertion(() => Assert.Contains("Imported bot", cut.Find("[data-testid=workflow-list]").TextContent));
        var stored = Assert.Single(await Service<WorkflowStore>().ListAsync());
        Assert.Equal(7, stored.NodeCount);
        Assert.Empty(cut.FindAll("[data-testid=import-problems]"));
        Assert.Contains("Imported “Imported bot”.", cut.Find(".mud-snackbar").TextContent);
    }

    [Fact]
    public async Task Import_ReadableButIncompleteWorkflow_IsSavedAsDraftAndSaysItNeedsFixes()
    {
        // Arrange: readable, but there is no answer node.
        const string Incomplete = """{ "schemaVersion": 1, "name": "Half a bot", "nodes": [ { "id": "start", "type": "start" } ], "edges": [] }""";
        var cut = RenderWithProviders<WorkflowsPage>();
        cut.WaitForElement("[data-testid=empty-state]");

        // Act
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(Incomplete, "half.json"));

        // Assert
        cut.WaitForAssertion(() => Assert.Contains("Half a bot", cut.Find("[data-testid=workflow-list]").TextContent));
        Assert.Contains("as a draft", cut.Find(".mud-snackbar").TextContent);
        Assert.Equal("Half a bot", Assert.Single(await Service<WorkflowStore>().ListAsync()).Name);
        Assert.Contains("Draft", cut.Find("[data-testid=workflow-draft]").TextContent); // the list marks it too
    }

    [Fact]
    public async Task Import_SameFileTwice_SecondGetsANameOfItsOwnAndARunnableOneIsNoDraft()
    {
        // Arrange
        var json = await ExportedSampleAsync("Imported bot");
        var cut = RenderWithProviders<WorkflowsPage>();
        cut.WaitForElement("[data-testid=empty-state]");

        // Act
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(json, "bot.workflow.json"));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=workflow-name]")));
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(json, "bot.workflow.json"));

        // Assert
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=workflow-name]").Count));
        Assert.Equal(["Imported bot", "Imported bot 2"], (await Service<WorkflowStore>().ListAsync()).Select(w => w.Name).Order());
        Assert.Empty(cut.FindAll("[data-testid=workflow-draft]"));
    }

    [Fact]
    public async Task Rename_NewNameConfirmed_SavesNewNameAsNewVersion()
    {
        // Arrange
        var store = Service<WorkflowStore>();
        var workflow = await store.CreateAsync(StudioSamples.Blank("Old name"));
        var cut = RenderWithProviders<WorkflowsPage>();
        cut.WaitForElement("[data-testid=workflow-list]");

        // Act
        cut.Find("[data-testid=rename]").Click();
        cut.WaitForElement(".mud-dialog input").Input("  Refund helper ");
        cut.Find("[data-testid=rename-save]").Click();

        // Assert
        cut.WaitForAssertion(() => Assert.Contains("Refund helper", cut.Find("[data-testid=workflow-name]").TextContent));
        var stored = await store.GetAsync(workflow.Id);
        Assert.Equal("Refund helper", stored!.Graph.Name);
        Assert.Equal(2, stored.Version);
    }

    [Fact]
    public async Task Duplicate_Clicked_AddsACopyWithTheSameNodes()
    {
        // Arrange
        var store = Service<WorkflowStore>();
        await store.CreateAsync(await Service<StudioSamples>().FaqBotAsync());
        var cut = RenderWithProviders<WorkflowsPage>();
        cut.WaitForElement("[data-testid=workflow-list]");

        // Act
        cut.Find("[data-testid=duplicate]").Click();

        // Assert
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var all = await store.ListAsync();
        var copy = Assert.Single(all, w => w.Name == $"Copy of {StudioSamples.FaqBotName}");
        Assert.Equal(7, copy.NodeCount);
    }

    [Fact]
    public async Task Export_Clicked_DownloadsTheDocumentThroughTheBrowserHelper()
    {
        // Arrange
        var store = Service<WorkflowStore>();
        await store.CreateAsync(StudioSamples.Blank("Returns helper"));
        var download = JSInterop.SetupVoid("studio.downloadFile", _ => true);
        var cut = RenderWithProviders<WorkflowsPage>();
        cut.WaitForElement("[data-testid=workflow-list]");

        // Act
        cut.Find("[data-testid=export]").Click();

        // Assert
        var call = download.VerifyInvoke("studio.downloadFile");
        Assert.Equal("returns-helper.workflow.json", call.Arguments[0]);
        Assert.Equal("application/json", call.Arguments[1]);
        var parsed = WorkflowEngine.Graphs.WorkflowJson.Parse((string)call.Arguments[2]!);
        Assert.True(parsed.Succeeded);
        Assert.Equal("Returns helper", parsed.Graph!.Name);
    }

    /// <summary>The sample bot as an exported file's text, named <paramref name="name"/>.</summary>
    private async Task<string> ExportedSampleAsync(string name) =>
        WorkflowEngine.Graphs.WorkflowJson.Serialize(await Service<StudioSamples>().FaqBotAsync() with { Name = name });
}
