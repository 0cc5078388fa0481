using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.DependencyInjection;

namespace WorkflowStudio.BrowserTests.Hosting;

/// <summary>Every endpoint of the running studio (pages, the Blazor hub, minimal APIs, static assets), read from its own
/// <see cref="EndpointDataSource"/>, is requested without a signed-in user: anything not on the short allow-list must send the
/// visitor to sign in. A page or endpoint added later that forgets to need a user fails here.</summary>
[Collection(StudioBrowserCollection.Name)]
public sealed class EndpointAuthorizationTests(StudioBrowserFixture studio)
{
    /// <summary>The only places a signed-out visitor may reach: signing in (with the email form, or through single sign-on:
    /// its start and its return, after the provider's answer at /signin-oidc, which the handler takes before any endpoint)
    /// and first start, health and readiness, the HTTP API
    /// (which checks its own bearer keys), its OpenAPI document and the reference page that shows it. Static assets are
    /// recognised by their metadata, below.</summary>
    private static bool IsAllowListed(string path) =>
        path is "/account/login" or "/account/setup" or "/account/external-login" or "/account/external-callback" or "/health" or "/health/ready" or "/api/ping"
        || path.StartsWith("/api/", StringComparison.Ordinal)
        || path.StartsWith("/openapi/", StringComparison.Ordinal)
        || path.StartsWith("/_framework/", StringComparison.Ordinal);

    /// <summary>A file the build published (CSS, scripts, images), served by <c>MapStaticAssets</c>: it has a file extension and
    /// the static-asset descriptor, so a page cannot pass for one.</summary>
    private static bool IsStaticAsset(RouteEndpoint endpoint, string path) =>
        endpoint.Metadata.GetMetadata<StaticAssetDescriptor>() is not null && Path.HasExtension(path);

    [Fact]
    public async Task EveryEndpoint_WithoutASignedInUser_IsRefusedUnlessAllowListed()
    {
        // Arrange
        var endpoints = studio.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = studio.Server.BaseAddress };
        var checkedRoutes = new List<string>();
        var reachable = new List<string>();

        // Act
        foreach (var endpoint in endpoints)
        {
            var path = SamplePath(endpoint.RoutePattern);
            if (IsAllowListed(path) || IsStaticAsset(endpoint, path))
            {
                continue;
            }
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } m ? m : ["GET"];
            foreach (var method in methods.Where(m => m is not ("OPTIONS" or "HEAD" or "CONNECT")))
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = new FormUrlEncodedContent([]);
                }
                using var response = await client.SendAsync(request);
                checkedRoutes.Add($"{method} {endpoint.RoutePattern.RawText}");
                if (!SendsToSignIn(response))
                {
                    reachable.Add($"{method} {endpoint.RoutePattern.RawText} ({path}) → {(int)response.StatusCode} {response.Headers.Location}");
                }
            }
        }

        // Assert: the check covered the pages, the hub and the account actions, and none of them let a signed-out visitor in.
        Assert.Contains("GET /workflows/{Id}", checkedRoutes);
        Assert.Contains("GET /users", checkedRoutes);
        Assert.Contains("GET /providers", checkedRoutes);
        Assert.Contains("POST /account/logout", checkedRoutes);
        Assert.Contains(checkedRoutes, r => r.Contains("_blazor", StringComparison.Ordinal));
        Assert.True(reachable.Count == 0, "Reachable without signing in:\n" + string.Join("\n", reachable));
    }

    [Theory]
    [InlineData("/account/login")]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    [InlineData("/api/ping")]
    [InlineData("/api/reference/v1")]
    [InlineData("/openapi/v1.json")]
    public async Task AllowListedEndpoint_WithoutASignedInUser_Answers(string path)
    {
        // Arrange
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = studio.Server.BaseAddress };

        // Act
        using var response = await client.GetAsync(path.TrimStart('/'));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ManagementApi_WithoutItsKey_AnswersWithTheApiErrorNotTheSignInPage()
    {
        // Arrange
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = studio.Server.BaseAddress };

        // Act
        using var response = await client.GetAsync("api/workflows");

        // Assert: the API keeps its own keys (401 or 404 when the admin key is off), never a redirect to a cookie sign-in.
        Assert.NotEqual(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.NotFound });
    }

    private static bool SendsToSignIn(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.Unauthorized
        || (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found
            && response.Headers.Location?.ToString().Contains("/account/login", StringComparison.Ordinal) == true);

    /// <summary>The route with every parameter filled in ("x", or "1" where a number is expected).</summary>
    private static string SamplePath(RoutePattern pattern) =>
        "/" + string.Join("/", pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter when pattern.ParameterPolicies.TryGetValue(parameter.Name, out var policies)
                && policies.Any(p => p.Content is "int" or "long") => "1",
            _ => "x",
        }))));
}
