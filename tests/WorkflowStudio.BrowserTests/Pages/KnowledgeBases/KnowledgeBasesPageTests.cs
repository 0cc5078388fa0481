using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.BrowserTests.Pages.KnowledgeBases;

[Collection(StudioBrowserCollection.Name)]
public sealed class KnowledgeBasesPageTests(StudioBrowserFixture studio)
{
    [Fact]
    public async Task CreateUploadTwoFilesAndSearch_ProgressFinishesAndRightChunkIsOnTop()
    {
        // Arrange
        var page = await studio.OpenAsync("/knowledge-bases");
        var name = $"Browser test {Guid.NewGuid():n}"[..24];

        // Act: create a knowledge base
        await page.GetByTestId("new-kb").ClickAsync();
        await page.GetByTestId("kb-name-input").FillAsync(name);
        await page.GetByTestId("kb-name-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("kb-title")).ToHaveTextAsync(name, new() { Timeout = 60_000 });

        // Act: upload two files at once
        await page.Locator("input[type=file][multiple]").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "parking.md", MimeType = "text/markdown", Buffer = Encoding.UTF8.GetBytes("# Parking\n\nFree parking for customers behind the shop, level -1.") },
            new FilePayload { Name = "gift-cards.txt", MimeType = "text/plain", Buffer = Encoding.UTF8.GetBytes("Gift cards are valid for three years and can be used online.") },
        });

        // Assert: both documents listed and indexed (the sample knowledge base may still be indexing ahead of them)
        await Assertions.Expect(page.GetByTestId("doc-name")).ToHaveCountAsync(2, new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("doc-state").Filter(new() { HasText = "Ready" })).ToHaveCountAsync(2, new() { Timeout = 180_000 });
        await Assertions.Expect(page.GetByTestId("kb-progress")).ToHaveCountAsync(0);

        // Act: search
        await page.GetByTestId("search-query").FillAsync("where can I park my car");
        await page.GetByTestId("search-button").ClickAsync();

        // Assert
        await Assertions.Expect(page.GetByTestId("hit-document").First).ToContainTextAsync("parking.md", new() { Timeout = 60_000 });
        await StudioBrowserFixture.ScreenshotAsync(page, "knowledge-bases-search");

        // Act: replace parking.md with a file of another name; the studio asks first and says so.
        var parkingRow = page.Locator("tr", new() { Has = page.GetByTestId("doc-name").Filter(new() { HasText = "parking.md" }) });
        await parkingRow.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "valet.md", MimeType = "text/markdown", Buffer = Encoding.UTF8.GetBytes("# Valet\n\nWe park your car for you at the front door."),
        });
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByText("Replace “parking.md”?").WaitForAsync();
        var question = await dialog.InnerTextAsync();
        await StudioBrowserFixture.ScreenshotAsync(page, "knowledge-bases-replace");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Replace" }).ClickAsync();
        await page.GetByText("Replaced “parking.md”.").WaitForAsync();

        // Act: delete gift-cards.txt; a toast confirms it.
        var giftRow = page.Locator("tr", new() { Has = page.GetByTestId("doc-name").Filter(new() { HasText = "gift-cards.txt" }) });
        await giftRow.GetByTestId("doc-delete").ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await page.GetByText("Deleted “gift-cards.txt”.").WaitForAsync();

        // Assert
        Assert.Contains("“valet.md” — a file with another name", question);
        await Assertions.Expect(page.GetByTestId("doc-name")).ToHaveCountAsync(1);
        Assert.True(studio.Server.Problems.Count == 0, string.Join("\n", studio.Server.Problems.Select(p => $"{p.Category}: {p.Message} {p.Exception}")));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DeleteKnowledgeBaseAWorkflowSearches_QuestionNamesTheWorkflowAndKeepItKeepsIt()
    {
        // Arrange: a knowledge base that a saved workflow searches
        var knowledgeBases = studio.Server.Services.GetRequiredService<KnowledgeBaseService>();
        var kb = await knowledgeBases.CreateAsync("Browser delete " + Guid.NewGuid().ToString("n")[..8]);
        await studio.Server.Services.GetRequiredService<WorkflowStore>().CreateAsync(SampleWorkflows.FaqBot(kb.Id) with { Name = "Returns helper" });
        var page = await studio.OpenAsync($"/knowledge-bases/{kb.Id}");
        await page.GetByTestId("kb-title").WaitForAsync();

        // Act
        await page.GetByTestId("kb-delete").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByText("Delete this knowledge base?").WaitForAsync();
        var question = await dialog.InnerTextAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep it" }).ClickAsync();
        await dialog.WaitForAsync(new() { State = WaitForSelectorState.Hidden });

        // Assert
        Assert.Contains("The workflow “Returns helper” searches it", question);
        Assert.NotNull(await knowledgeBases.GetVersionAsync(kb.Id));
        Assert.Empty(studio.Server.Problems);
        await page.Context.CloseAsync();
    }
}
