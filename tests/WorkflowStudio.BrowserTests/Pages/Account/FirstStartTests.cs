using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WorkflowTesting;

namespace WorkflowStudio.BrowserTests.Pages.Account;

/// <summary>A studio of its own with no account and no <c>Studio:Admin</c> settings: the first visitor creates the administrator.</summary>
[Collection(StudioBrowserCollection.Name)]
public sealed class FirstStartTests(StudioBrowserFixture studio)
{
    [Fact]
    public async Task FirstStart_AnyPage_LeadsToCreatingTheAdministratorWhoIsThenSignedIn()
    {
        // Arrange
        await using var fresh = await StudioServer.StartAsync(new Dictionary<string, string?> { ["Studio:WarmUp"] = "false" });
        await using var context = await studio.Browser.NewContextAsync(new() { BaseURL = fresh.BaseAddress.ToString() });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();

        // Act
        await page.GotoAsync("/runs");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/setup$"));
        var heading = await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync();
        await page.GetByLabel("Email").FillAsync("owner@studio.test");
        await page.GetByLabel("Password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the administrator account" }).ClickAsync();
        await page.GetByTestId("setup-error").WaitForAsync();
        await page.GetByLabel("Email").FillAsync("owner@studio.test");
        await page.GetByLabel("Password").FillAsync("Owner-Pass-2026");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the administrator account" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/$"));
        await StudioBrowserFixture.WaitForCircuitAsync(page);
        var role = await page.GetByTestId("signed-in-role").InnerTextAsync();
        await page.GotoAsync("/account/setup");

        // Assert: set-up happens once; afterwards the page only leads to sign-in.
        Assert.Equal("Create the administrator account", heading);
        Assert.Equal("Admin", role.Trim());
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login$"));
    }
}
