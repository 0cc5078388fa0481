using WorkflowStudio.Api;

namespace Microsoft.AspNetCore.Builder;

public static class ApiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>/health</c>, <c>/openapi/v1.json</c> and the <c>/api</c> endpoint groups. Under <c>/api</c> every error is an
    /// RFC 7807 problem (exceptions included: logged, never shown), so the studio's HTML error pages never answer an API client.
    /// Call after <c>MapWorkflowStudio()</c>. None of these needs a signed-in studio user: <c>/health</c>, <c>/api/ping</c> and the
    /// OpenAPI document are public, and the <c>/api</c> groups check their own bearer keys (<see cref="ApiAccess"/>).
    /// </summary>
    public static WebApplication MapWorkflowApi(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/api"), api =>
        {
            api.UseExceptionHandler();
            api.UseStatusCodePages();
        });
        app.MapHealthChecks("/health", HealthEndpoints.Options).AllowAnonymous();
        // Liveness without checks: a constant answer (also the load benchmark's baseline for the pipeline's own cost).
        app.MapGet("/api/ping", () => TypedResults.Ok(new { status = "ok" })).WithTags("Health").WithSummary("Constant answer: the process is up.").AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();

        var access = app.Services.GetRequiredService<ApiAccess>();
        var management = app.MapGroup("/api").AllowAnonymous().WithTags("Management").AddEndpointFilter(access.RequireAdminAsync);
        management.MapWorkflowManagement();
        management.MapKnowledgeManagement();
        app.MapGroup("/api").AllowAnonymous().WithTags("Run").AddEndpointFilter(access.RequireRunAccessAsync).MapWorkflowRuns();
        // Without it an unknown /api address would have no endpoint, fall under the studio's sign-in rule and answer with the
        // sign-in page; API clients get a problem instead (a known address with another method answers this too).
        app.MapFallback("/api/{**path}", (HttpContext http) => ApiProblems.NotFound($"There is no API endpoint {http.Request.Method} {http.Request.Path}."))
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
