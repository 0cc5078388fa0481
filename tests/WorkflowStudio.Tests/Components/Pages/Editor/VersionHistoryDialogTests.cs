using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowStudio.Components.Pages.Editor;

namespace WorkflowStudio.Tests.Components.Pages.Editor;

public sealed class VersionHistoryDialogTests : StudioTestContext
{
    protected override void ConfigureServices(IServiceCollection services) => UseStudioDatabase();

    [Fact]
    public async Task Show_ThreeVersions_OffersRestoreForTheEarlierOnesOnly()
    {
        // Arrange: versions 1, 2 and 3 of one workflow.
        var store = Service<WorkflowStore>();
        var stored = await store.CreateAsync(SampleWorkflows.FaqBot("kb-1"));
        await store.SaveAsync(stored.Id, stored.Graph with { Name = "Second" }, 1);
        await store.SaveAsync(stored.Id, stored.Graph with { Name = "Third" }, 2);
        var cut = RenderWithProviders<MudText>();

        // Act
        await cut.InvokeAsync(() => Service<IDialogService>().ShowAsync<VersionHistoryDialog>("Version history",
            new DialogParameters<VersionHistoryDialog> { { d => d.WorkflowId, stored.Id }, { d => d.CurrentVersion, 3 } }));

        // Assert
        cut.WaitForAssertion(() => Assert.Contains("Version 3 (current)", cut.Markup));
        Assert.NotEmpty(cut.FindAll("[data-testid=restore-1]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=restore-2]"));
        Assert.Empty(cut.FindAll("[data-testid=restore-3]"));
    }

    [Fact]
    public async Task Show_VersionsSavedByAUserAndTheApi_SaysWhoSavedEach()
    {
        // Arrange: version 1 from the preloaded sample (nobody), 2 by a user, 3 through the API's admin key.
        var store = Service<WorkflowStore>();
        var stored = await store.CreateAsync(SampleWorkflows.FaqBot("kb-1"));
        await store.SaveAsync(stored.Id, stored.Graph with { Name = "Second" }, 1, savedBy: "ada@studio.test");
        await store.SaveAsync(stored.Id, stored.Graph with { Name = "Third" }, 2, savedBy: WorkflowStudio.Accounts.Actors.AdminApiKey);
        var cut = RenderWithProviders<MudText>();

        // Act
        await cut.InvokeAsync(() => Service<IDialogService>().ShowAsync<VersionHistoryDialog>("Version history",
            new DialogParameters<VersionHistoryDialog> { { d => d.WorkflowId, stored.Id }, { d => d.CurrentVersion, 3 } }));

        // Assert
        cut.WaitForAssertion(() => Assert.Contains("Version 3 (current)", cut.Markup));
        var captions = cut.FindAll("[data-testid=version-list] .mud-typography-caption").Select(c => c.TextContent).ToList();
        Assert.Equal(3, captions.Count);
        Assert.Contains(" by Admin API key ·", captions[0]);
        Assert.Contains(" by ada@studio.test ·", captions[1]);
        Assert.DoesNotContain(" by ", captions[2]);
    }
}
