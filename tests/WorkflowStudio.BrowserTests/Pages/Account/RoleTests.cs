using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.BrowserTests.Pages.Account;

[Collection(StudioBrowserCollection.Name)]
public sealed class RoleTests(StudioBrowserFixture studio)
{
    private async Task<string> SignInAsNewAsync(string role)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():n}@studio.test";
        return await studio.SignInAsync(email, await studio.CreateUserAsync(email, role));
    }

    [Fact]
    public async Task Viewer_OnAWorkflow_CannotSaveNorOpenTheTestChat()
    {
        // Arrange
        var copy = await studio.CopySampleAsync("Viewer's view");
        var viewer = await SignInAsNewAsync(StudioRoles.Viewer);
        var page = await studio.OpenAsync($"/workflows/{copy.Id}", viewer);
        await page.GetByTestId("read-only").WaitForAsync();

        // Act: Ctrl+S still reaches the server, which refuses.
        await page.Locator(".wf-editor-canvas").ClickAsync(new() { Position = new() { X = 5, Y = 5 } });
        await page.Keyboard.PressAsync("Control+s");

        // Assert
        await Assertions.Expect(page.GetByText("Your role can read this workflow but not save it.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("save")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("toggle-chat")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("api-access")).ToHaveCountAsync(0);
        var stored = await studio.Server.Services.GetRequiredService<WorkflowStore>().GetAsync(copy.Id);
        Assert.Equal(copy.Version, stored!.Version);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Viewer_OnTheWorkflowsPage_SeesNoActionThatChangesAWorkflow()
    {
        // Arrange
        var viewer = await SignInAsNewAsync(StudioRoles.Viewer);

        // Act
        var page = await studio.OpenAsync("/workflows", viewer);
        await page.GetByTestId("workflow-list").WaitForAsync();

        // Assert
        await Assertions.Expect(page.GetByTestId("new-workflow")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("import")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("delete")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("export").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Knowledge bases" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Editor_OpeningModelProvidersOrUsers_IsRefused()
    {
        // Arrange
        var editor = await SignInAsNewAsync(StudioRoles.Editor);
        var page = await studio.OpenAsync("/workflows", editor);

        // Act
        var providersLinks = await page.GetByRole(AriaRole.Link, new() { Name = "Model providers" }).CountAsync();
        var usersLinks = await page.GetByRole(AriaRole.Link, new() { Name = "Users" }).CountAsync();
        var knowledgeLinks = await page.GetByRole(AriaRole.Link, new() { Name = "Knowledge bases" }).CountAsync();
        await page.GotoAsync("/providers");
        var providers = await page.GetByTestId("access-denied").InnerTextAsync();
        await page.GotoAsync("/users");
        var users = await page.GetByTestId("access-denied").InnerTextAsync();

        // Assert
        Assert.Equal(0, providersLinks);
        Assert.Equal(0, usersLinks);
        Assert.Equal(1, knowledgeLinks);
        Assert.Contains("Editor", providers);
        Assert.Contains("Editor", users);
        await Assertions.Expect(page.GetByText("Add a user")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Admin_AddsAUser_WhoSignsInWithTheOneTimePasswordAndChoosesTheirOwn()
    {
        // Arrange
        var email = $"new-{Guid.NewGuid():n}@studio.test";
        var page = await studio.OpenAsync("/users");

        // Act: the administrator adds a viewer and reads the one-time password.
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByTestId("add-user").GetByText(StudioRoles.Viewer, new() { Exact = true }).ClickAsync();
        await page.GetByTestId("add-user-button").ClickAsync();
        var oneTimePassword = (await page.GetByTestId("one-time-password").InnerTextAsync()).Trim();
        await Assertions.Expect(page.GetByTestId("user-list")).ToContainTextAsync(email);
        await StudioBrowserFixture.ScreenshotAsync(page, "users-page");
        await page.Context.CloseAsync();

        // Act: the new user signs in with it and is asked for a password of their own (no page opens before), then lands in the studio.
        await using var context = await studio.NewSignedOutContextAsync();
        var userPage = await context.NewPageAsync();
        await userPage.GotoAsync("/account/login");
        await userPage.GetByLabel("Email").FillAsync(email);
        await userPage.GetByLabel("Password").FillAsync(oneTimePassword);
        await userPage.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await userPage.GetByTestId("must-change-password").WaitForAsync();
        await userPage.GotoAsync("/workflows");
        await Assertions.Expect(userPage).ToHaveURLAsync(new Regex("/account/password\\?ReturnUrl=%2Fworkflows$"));
        await userPage.GetByLabel("Current password").FillAsync(oneTimePassword);
        await userPage.GetByLabel("New password").FillAsync("Own-Password-42");
        await userPage.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(userPage).ToHaveURLAsync(new Regex("/workflows$"));
        await StudioBrowserFixture.WaitForCircuitAsync(userPage);

        // Assert
        await Assertions.Expect(userPage.GetByTestId("signed-in-role")).ToHaveTextAsync(StudioRoles.Viewer);
        Assert.NotEmpty(await studio.SignInAsync(email, "Own-Password-42"));
    }
}
