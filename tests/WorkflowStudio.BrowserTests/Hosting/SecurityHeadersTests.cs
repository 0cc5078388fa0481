using Microsoft.Playwright;

namespace WorkflowStudio.BrowserTests.Hosting;

/// <summary>The security headers are present, and the content security policy they set lets the studio work: the editor
/// (Blazor, MudBlazor, the diagram, their script modules) loads and connects without one policy violation.</summary>
[Collection(StudioBrowserCollection.Name)]
public sealed class SecurityHeadersTests(StudioBrowserFixture studio)
{
    [Fact]
    public async Task SignInPage_WithoutAUser_CarriesTheSecurityHeaders()
    {
        // Arrange
        using var client = studio.Server.CreateClient();

        // Act
        using var response = await client.GetAsync("account/login");

        // Assert
        var csp = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("script-src 'self' 'nonce-", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Theory]
    [InlineData("api/ping")]
    [InlineData("api/workflows")]
    public async Task ApiAnswer_IsJson_CarriesAPolicyThatAllowsNothing(string path)
    {
        // Arrange: no key, so the list of workflows is refused; the refusal carries the headers too.
        using var client = studio.Server.CreateClient();

        // Act
        using var response = await client.GetAsync(path);

        // Assert
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task EditorPage_UnderTheContentSecurityPolicy_LoadsWithoutViolations()
    {
        // Arrange
        var copy = await studio.CopySampleAsync("Under the policy");
        var page = await studio.OpenAsync("/workflows");
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add(message.Text);
            }
        };
        page.PageError += (_, error) => violations.Add(error);

        // Act: a full load of the editor, then its canvas drawn by the diagram's script (links need port positions from JS).
        var response = await page.GotoAsync($"/workflows/{copy.Id}");
        await StudioBrowserFixture.WaitForCircuitAsync(page);
        await page.Locator(".diagram-link").First.WaitForAsync();
        var headers = await response!.AllHeadersAsync();

        // Assert
        Assert.Contains("frame-ancestors 'none'", headers["content-security-policy"]);
        Assert.Empty(violations);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ApiReferencePage_UnderTheContentSecurityPolicy_ShowsTheApiWithoutViolations()
    {
        // Arrange: the page is public, like the document it shows; a fresh context has no studio cookie.
        await using var context = await studio.Browser.NewContextAsync(new() { BaseURL = studio.Server.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        var violations = new List<string>();
        var outside = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add(message.Text);
            }
        };
        page.PageError += (_, error) => violations.Add(error);
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(studio.Server.BaseAddress.ToString(), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                outside.Add(request.Url);
            }
        };

        // Act
        await page.GotoAsync("api/reference/v1");
        await page.GetByText("Workflow Studio API").First.WaitForAsync();
        // The first tag's description: the document was fetched and drawn.
        await page.GetByText("Liveness and readiness, without a key.").First.WaitForAsync();

        // Assert
        Assert.Empty(violations);
        Assert.Empty(outside);
    }
}
