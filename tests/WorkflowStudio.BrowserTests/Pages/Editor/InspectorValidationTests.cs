using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.BrowserTests.Pages.Editor;

/// <summary>What the inspector says when a value it cannot take is typed, in a real browser (MudBlazor's inputs behave
/// differently there than under bunit: values are committed on blur).</summary>
[Collection(StudioBrowserCollection.Name)]
public sealed class InspectorValidationTests(StudioBrowserFixture studio)
{
    private async Task<IPage> OpenCopyWithSelectedLlmAsync(string name)
    {
        var copy = await studio.CopySampleAsync(name);
        var page = await studio.OpenAsync($"/workflows/{copy.Id}");
        await page.Locator(".wf-node[data-node-id=llm]").ClickAsync();
        await page.GetByTestId("node-title").WaitForAsync();
        return page;
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public async Task CacheTab_ZeroOrNegativeTtl_SaysWhyAndKeepsTheOldTtl(string typed)
    {
        // Arrange
        var page = await OpenCopyWithSelectedLlmAsync("TTL validation bot " + typed);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Cache · 10 min" }).ClickAsync();
        var amount = page.Locator("input[data-testid=ttl-amount], [data-testid=ttl-amount] input");
        await amount.WaitForAsync();

        // Act
        await amount.FillAsync(typed);
        await amount.PressAsync("Tab");
        var message = page.GetByText("Enter a time greater than zero.");
        await message.WaitForAsync(new() { Timeout = 5_000 });
        await StudioBrowserFixture.ScreenshotAsync(page, "inspector-ttl-invalid");

        // Assert
        Assert.True(await message.IsVisibleAsync());
        Assert.Contains("10 min", await page.GetByTestId("cache-settings").InnerTextAsync());
        Assert.Equal("false", await page.GetByTestId("save-state").GetAttributeAsync("data-dirty"));
        // All three tabs fit the panel: none is hidden behind the tab bar's scroll arrows.
        var bar = (await page.Locator(".wf-inspector .mud-tabs-tabbar").BoundingBoxAsync())!;
        foreach (var tab in new[] { "Settings", "Cache · 10 min", "Last run" })
        {
            var box = (await page.GetByRole(AriaRole.Tab, new() { Name = tab }).BoundingBoxAsync())!;
            Assert.True(box.X >= bar.X && box.X + box.Width <= bar.X + bar.Width + 1, $"tab {tab} at {box.X}+{box.Width}, bar {bar.X}+{bar.Width}");
        }
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task NodeName_Cleared_SaysItNeedsOneAndKeepsTheOldName()
    {
        // Arrange
        var page = await OpenCopyWithSelectedLlmAsync("Name validation bot");
        var title = page.Locator("input[data-testid=node-title], [data-testid=node-title] input");

        // Act
        await title.FillAsync("");
        await title.PressAsync("Tab");
        var message = page.GetByText("A step needs a name");
        await message.WaitForAsync(new() { Timeout = 5_000 });

        // Assert
        Assert.Contains("Write the answer", await message.InnerTextAsync());
        Assert.Contains("Write the answer", await page.Locator(".wf-node[data-node-id=llm]").InnerTextAsync());
        Assert.Equal("false", await page.GetByTestId("save-state").GetAttributeAsync("data-dirty"));
        await page.Context.CloseAsync();
    }
}
