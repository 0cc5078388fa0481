using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing.Patterns;
using WorkflowStudio.Accounts;
using WorkflowStudio.Components;
using WorkflowStudio.Hosting;

namespace Microsoft.AspNetCore.Builder;

public static class StudioEndpointRouteBuilderExtensions
{
    /// <summary>The studio's request pipeline and pages. Errors show a friendly page, never a stack trace; plain HTTP is
    /// served as is (no HTTPS redirection), so a local run works on http://localhost:5000. Every page and the Blazor hub need a
    /// signed-in user (the fallback policy of <c>AddStudioAccounts()</c>); only static assets, the framework's scripts and the
    /// pages marked <c>[AllowAnonymous]</c> (sign-in, first start) are open. Every response carries the security headers of
    /// <see cref="SecurityHeaders"/>.</summary>
    public static WebApplication MapWorkflowStudio(this WebApplication app)
    {
        app.UseStudioSecurityHeaders();
        app.UseExceptionHandler("/Error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseOneTimePasswordGate();
        app.UseAntiforgery();
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().Add(endpoint =>
        {
            // The framework's own scripts are static files served by an endpoint; the sign-in page loads them too.
            if (endpoint is RouteEndpointBuilder { RoutePattern: var pattern } && IsFrameworkAsset(pattern))
            {
                endpoint.Metadata.Add(new AllowAnonymousAttribute());
            }
        });
        app.MapAccountEndpoints();
        return app;
    }

    private static bool IsFrameworkAsset(RoutePattern pattern) =>
        pattern.RawText?.TrimStart('/').StartsWith("_framework/", StringComparison.OrdinalIgnoreCase) == true;
}
