using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.BrowserTests.Pages.Account;

[Collection(StudioBrowserCollection.Name)]
public sealed class SignInTests(StudioBrowserFixture studio)
{
    private static string NewEmail(string who) => $"{who}-{Guid.NewGuid():n}@studio.test";

    private static async Task SubmitAsync(IPage page, string email, string password)
    {
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    [Fact]
    public async Task SignIn_FromAProtectedPage_ReturnsThereAndSignOutEndsTheSession()
    {
        // Arrange
        var email = NewEmail("editor");
        var password = await studio.CreateUserAsync(email, StudioRoles.Editor);
        await using var context = await studio.NewSignedOutContextAsync();
        var page = await context.NewPageAsync();

        // Act: a protected page sends a signed-out visitor to sign in, and back afterwards.
        await page.GotoAsync("/runs");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login\\?ReturnUrl=%2Fruns$"));
        await SubmitAsync(page, email, password);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/runs$"));
        await StudioBrowserFixture.WaitForCircuitAsync(page);
        var shownUser = await page.GetByTestId("signed-in-user").InnerTextAsync();
        await page.GetByTestId("sign-out").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login$"));
        await page.GotoAsync("/workflows");

        // Assert
        Assert.Contains(email, shownUser);
        Assert.Contains(StudioRoles.Editor, shownUser);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login\\?ReturnUrl=%2Fworkflows$"));
    }

    [Fact]
    public async Task SignIn_WithAWrongPassword_SaysSoAndStaysSignedOut()
    {
        // Arrange
        var email = NewEmail("wrong");
        await studio.CreateUserAsync(email, StudioRoles.Viewer);
        await using var context = await studio.NewSignedOutContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");

        // Act
        await SubmitAsync(page, email, "Not-The-Password-1");

        // Assert
        await Assertions.Expect(page.GetByTestId("login-error")).ToHaveTextAsync("Wrong email or password.");
        await StudioBrowserFixture.ScreenshotAsync(page, "sign-in-wrong-password");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login$"));
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == ".WorkflowStudio.Auth");
    }

    [Fact]
    public async Task SignIn_FiveWrongPasswords_LocksTheAccountEvenForTheRightPassword()
    {
        // Arrange
        var email = NewEmail("lockout");
        var password = await studio.CreateUserAsync(email, StudioRoles.Viewer);
        await using var context = await studio.NewSignedOutContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");

        // Act: Identity's default is 5 failures.
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await SubmitAsync(page, email, $"Wrong-Password-{attempt}");
            await page.GetByTestId("login-error").WaitForAsync();
        }
        var afterFifth = await page.GetByTestId("login-error").InnerTextAsync();
        await SubmitAsync(page, email, password);

        // Assert
        Assert.Contains("locked", afterFifth);
        await Assertions.Expect(page.GetByTestId("login-error")).ToContainTextAsync("locked");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login$"));
    }
}
