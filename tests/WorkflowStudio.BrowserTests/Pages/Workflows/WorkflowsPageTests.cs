using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.BrowserTests.Pages.Workflows;

[Collection(StudioBrowserCollection.Name)]
public sealed class WorkflowsPageTests(StudioBrowserFixture studio)
{
    [Fact]
    public async Task WorkflowsPage_FirstStart_ListsTheSampleFaqBot()
    {
        // Arrange
        var page = await studio.OpenAsync("/");

        // Act
        var names = await page.Locator("[data-testid=workflow-name]").AllInnerTextsAsync();
        await StudioBrowserFixture.ScreenshotAsync(page, "workflows-list");

        // Assert
        Assert.Contains("FAQ bot (sample)", names);
        Assert.Equal("7", (await page.Locator("tr", new() { HasText = "FAQ bot (sample)" }).Locator("td[data-label=Nodes]").InnerTextAsync()).Trim());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task NewBlankWorkflow_ThenDeleteConfirmed_IsCreatedAndRemoved()
    {
        // Arrange
        var store = studio.Server.Services.GetRequiredService<WorkflowStore>();
        var before = (await store.ListAsync()).Select(w => w.Id).ToHashSet();
        var page = await studio.OpenAsync("/workflows");

        // Act: create a blank workflow (the studio opens it in the editor), then come back to the list.
        await page.GetByTestId("new-workflow").ClickAsync();
        await page.GetByTestId("new-blank").ClickAsync();
        // Blazor navigates inside the page (history.pushState). WaitForURLAsync can miss a same-document navigation that lands
        // between its first URL check and its event subscription (seen on a loaded machine), so poll the address instead.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/workflows/[0-9a-f]{32}$"), new() { Timeout = 60_000 });
        var createdId = page.Url.Split('/').Last();
        await page.GotoAsync("/workflows");
        await StudioBrowserFixture.WaitForCircuitAsync(page);
        var row = page.Locator("tr", new() { Has = page.Locator($"a[href='/workflows/{createdId}']") });
        await row.WaitForAsync();
        var name = (await row.GetByTestId("workflow-name").InnerTextAsync()).Trim();

        // Act: delete asks first; Escape or "Keep it" changes nothing.
        await row.GetByTestId("delete").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByText("Delete this workflow?").WaitForAsync();
        await StudioBrowserFixture.PressEscapeUntilHiddenAsync(page, dialog);
        await dialog.WaitForAsync(new() { State = WaitForSelectorState.Hidden });
        await row.GetByTestId("delete").ClickAsync();
        await dialog.GetByText("Delete this workflow?").WaitForAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep it" }).ClickAsync();
        await dialog.WaitForAsync(new() { State = WaitForSelectorState.Hidden });
        var keptAfterCancel = await store.GetAsync(createdId) is not null;

        // Act: delete again and confirm.
        await row.GetByTestId("delete").ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await row.WaitForAsync(new() { State = WaitForSelectorState.Detached });

        // Assert
        Assert.DoesNotContain(createdId, before);
        Assert.StartsWith("New workflow", name);
        Assert.True(keptAfterCancel);
        Assert.Null(await store.GetAsync(createdId));
        Assert.Empty(studio.Server.Problems);
        await page.Context.CloseAsync();
    }
}
