using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WorkflowEngine.Persistence;
using WorkflowStudio.Providers;

namespace WorkflowStudio.BrowserTests.Pages.Providers;

[Collection(StudioBrowserCollection.Name)]
public sealed class ProvidersAndApiAccessTests(StudioBrowserFixture studio)
{
    [Fact]
    public async Task AddProviderThenCreateRunKey_InTheBrowser_KeyMaskedThenShownOnce()
    {
        // Arrange
        const string secret = "sk-browser-0123456789-wxyz";
        var page = await studio.OpenAsync("/providers");
        var sample = (await studio.Server.Services.GetRequiredService<WorkflowStore>().ListAsync()).First(w => w.Name == "FAQ bot (sample)");

        // Act: add a provider through the dialog.
        await page.GetByTestId("add-provider").First.ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Name").FillAsync("Browser provider");
        await dialog.GetByLabel("Base URL").FillAsync("https://models.example/v1");
        await dialog.GetByLabel("Default model").FillAsync("big-model");
        await dialog.GetByLabel("API key").FillAsync(secret);
        await page.GetByTestId("provider-save").ClickAsync();
        var row = page.Locator("tr", new() { HasText = "Browser provider" });
        await row.WaitForAsync();
        var keyCell = (await row.GetByTestId("provider-row-key").InnerTextAsync()).Trim();
        var providersHtml = await page.ContentAsync();
        await StudioBrowserFixture.ScreenshotAsync(page, "model-providers");

        // Act: the sample bot's API access page; create a run key.
        await page.GotoAsync($"/workflows/{sample.Id}/api");
        await StudioBrowserFixture.WaitForCircuitAsync(page);
        await page.GetByTestId("create-key").ClickAsync();
        var key = (await page.GetByTestId("created-key-value").InnerTextAsync()).Trim();
        await StudioBrowserFixture.ScreenshotAsync(page, "api-access");

        // Assert
        Assert.Equal("••••wxyz", keyCell);
        Assert.DoesNotContain(secret, providersHtml);
        Assert.Equal(secret, studio.Server.Services.GetRequiredService<ModelProviderStore>().All.Single(p => p.Name == "Browser provider").ApiKey);
        Assert.StartsWith("wfs_", key);
        Assert.Empty(studio.Server.Problems);
        await page.Context.CloseAsync();
    }
}
