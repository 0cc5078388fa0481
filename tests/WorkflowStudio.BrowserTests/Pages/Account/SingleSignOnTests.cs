using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;
using WorkflowTesting;

namespace WorkflowStudio.BrowserTests.Pages.Account;

/// <summary>Single sign-on end to end: the studio's sign-in page, a real OpenID Connect round trip (discovery, signing key,
/// authorization code with PKCE, signed id token) against <see cref="FakeOidcProvider"/>, and the studio account it leads to.</summary>
[Collection(StudioBrowserCollection.Name)]
public sealed class SingleSignOnTests(StudioBrowserFixture studio)
{
    private static string NewEmail(string who) => $"{who}-{Guid.NewGuid():n}@sso.test";

    /// <summary>Opens <paramref name="path"/> signed out, lands on the sign-in page and follows "Sign in with Test IdP".</summary>
    private async Task<IPage> SignInWithProviderAsync(string path)
    {
        var context = await studio.NewSignedOutContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await page.WaitForURLAsync(url => url.Contains("/account/login", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Link, new() { Name = $"Sign in with {StudioBrowserFixture.SingleSignOnName}" }).ClickAsync();
        return page;
    }

    private async Task<(StudioUser? User, IList<string> Roles, IList<UserLoginInfo> Logins, bool HasPassword)> AccountAsync(string email)
    {
        await using var scope = studio.Server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>();
        var user = await users.FindByEmailAsync(email);
        return user is null
            ? (null, [], [], false)
            : (user, await users.GetRolesAsync(user), await users.GetLoginsAsync(user), await users.HasPasswordAsync(user));
    }

    [Fact]
    public async Task SignInWithProvider_NewPersonWithoutARole_ReturnsSignedInAsAViewerWhoCannotSave()
    {
        // Arrange
        var copy = await studio.CopySampleAsync("Single sign-on view");
        var email = NewEmail("viewer");
        studio.Oidc.User = new FakeOidcUser($"sub-{Guid.NewGuid():n}", email);

        // Act
        var page = await SignInWithProviderAsync($"workflows/{copy.Id}");
        await page.WaitForURLAsync(url => url.EndsWith($"/workflows/{copy.Id}", StringComparison.Ordinal));
        await StudioBrowserFixture.WaitForCircuitAsync(page);

        // Assert: back where they started, as a Viewer with the provider's login linked: read-only, no Save, no test chat
        // (that the server refuses a viewer's save anyway is RoleTests' part).
        await page.GetByTestId("read-only").WaitForAsync();
        await Assertions.Expect(page.GetByTestId("save")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("toggle-chat")).ToHaveCountAsync(0);
        var (user, roles, logins, hasPassword) = await AccountAsync(email);
        Assert.NotNull(user);
        Assert.Equal([StudioRoles.Viewer], roles);
        Assert.Equal(SingleSignOnOptions.Scheme, Assert.Single(logins).LoginProvider);
        Assert.False(hasPassword);
        Assert.Equal(copy.Version, (await studio.Server.Services.GetRequiredService<WorkflowStore>().GetAsync(copy.Id))!.Version);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignInWithProvider_RoleClaimNamesEditor_CreatesAnEditorAndTheNextSignInUsesTheSameAccount()
    {
        // Arrange
        var email = NewEmail("editor");
        studio.Oidc.User = new FakeOidcUser($"sub-{Guid.NewGuid():n}", email, Role: "editor");

        // Act: twice, the second time as a returning person.
        var first = await SignInWithProviderAsync("workflows");
        await first.WaitForURLAsync(url => url.EndsWith("/workflows", StringComparison.Ordinal));
        await StudioBrowserFixture.WaitForCircuitAsync(first);
        await first.Context.CloseAsync();
        var second = await SignInWithProviderAsync("workflows");
        await second.WaitForURLAsync(url => url.EndsWith("/workflows", StringComparison.Ordinal));
        await StudioBrowserFixture.WaitForCircuitAsync(second);

        // Assert: an Editor sees what changes workflows; one account, one linked login.
        await Assertions.Expect(second.GetByTestId("new-workflow")).ToBeVisibleAsync();
        var (user, roles, logins, _) = await AccountAsync(email);
        Assert.NotNull(user);
        Assert.Equal([StudioRoles.Editor], roles);
        Assert.Single(logins);
        await second.Context.CloseAsync();
    }

    [Fact]
    public async Task SignInWithProvider_AccountWithAnUnusedOneTimePassword_LinksItAndDropsThatPassword()
    {
        // Arrange: an administrator added the person (one-time password shown), who then uses single sign-on instead.
        var email = NewEmail("invited");
        await studio.CreateUserAsync(email, StudioRoles.Editor);
        await using (var scope = studio.Server.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>();
            var invited = (await users.FindByEmailAsync(email))!;
            invited.MustChangePassword = true;
            Assert.True((await users.UpdateAsync(invited)).Succeeded);
        }
        studio.Oidc.User = new FakeOidcUser($"sub-{Guid.NewGuid():n}", email, Role: StudioRoles.Viewer);

        // Act
        var page = await SignInWithProviderAsync("workflows");

        // Assert: straight in (no change-password page), with the role the administrator gave, and no password left.
        await page.WaitForURLAsync(url => url.EndsWith("/workflows", StringComparison.Ordinal));
        await StudioBrowserFixture.WaitForCircuitAsync(page);
        var (user, roles, logins, hasPassword) = await AccountAsync(email);
        Assert.False(user!.MustChangePassword);
        Assert.False(hasPassword);
        Assert.Equal([StudioRoles.Editor], roles);
        Assert.Single(logins);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignInWithProvider_DisabledAccountWithThatEmail_IsRefusedWithAMessage()
    {
        // Arrange: an existing (email and password) account, disabled by an administrator.
        var email = NewEmail("disabled");
        await studio.CreateUserAsync(email, StudioRoles.Editor);
        await using (var scope = studio.Server.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>();
            var user = (await users.FindByEmailAsync(email))!;
            user.Disabled = true;
            Assert.True((await users.UpdateAsync(user)).Succeeded);
        }
        studio.Oidc.User = new FakeOidcUser($"sub-{Guid.NewGuid():n}", email, Role: StudioRoles.Admin);

        // Act
        var page = await SignInWithProviderAsync("workflows");

        // Assert: back on the sign-in page with the reason, signed out; the role claim changed nothing.
        await Assertions.Expect(page.GetByTestId("login-error")).ToHaveTextAsync("This account is disabled. Ask an administrator.");
        Assert.Contains("/account/login", page.Url, StringComparison.Ordinal);
        var (_, roles, _, _) = await AccountAsync(email);
        Assert.Equal([StudioRoles.Editor], roles);
        await page.GotoAsync("workflows");
        await page.WaitForURLAsync(url => url.Contains("/account/login", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignInWithProvider_ProviderSaysTheEmailIsUnverified_CreatesNoAccount()
    {
        // Arrange
        var email = NewEmail("unverified");
        studio.Oidc.User = new FakeOidcUser($"sub-{Guid.NewGuid():n}", email, EmailVerified: false);

        // Act
        var page = await SignInWithProviderAsync("workflows");

        // Assert
        await Assertions.Expect(page.GetByTestId("login-error")).ToContainTextAsync("not verified");
        Assert.Null((await AccountAsync(email)).User);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignInWithProvider_ProviderSendsNoEmail_SaysSoAndCreatesNoAccount()
    {
        // Arrange
        var subject = $"sub-{Guid.NewGuid():n}";
        studio.Oidc.User = new FakeOidcUser(subject, Email: null);

        // Act
        var page = await SignInWithProviderAsync("workflows");

        // Assert
        await Assertions.Expect(page.GetByTestId("login-error")).ToContainTextAsync("did not send an email address");
        await using var scope = studio.Server.Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>().FindByLoginAsync(SingleSignOnOptions.Scheme, subject));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Callback_OpenedWithoutAChallenge_LeadsToTheSignInPageWithAMessage()
    {
        // Arrange: a forged or stale answer (no correlation cookie, unknown state).
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = studio.Server.BaseAddress };

        // Act
        using var response = await client.GetAsync("signin-oidc?code=forged&state=forged");

        // Assert
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/login?sso=Failed", response.Headers.Location?.OriginalString);
    }
}
