using WorkflowStudio.Components;

namespace Microsoft.AspNetCore.Builder;

public static class StudioEndpointRouteBuilderExtensions
{
    /// <summary>The studio's request pipeline and pages. Errors show a friendly page, never a stack trace; plain HTTP is
    /// served as is (no HTTPS redirection), so a local run works on http://localhost:5000.</summary>
    public static WebApplication MapWorkflowStudio(this WebApplication app)
    {
        app.UseExceptionHandler("/Error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
