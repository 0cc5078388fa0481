using WorkflowStudio.Api;

namespace Microsoft.AspNetCore.Builder;

public static class ApiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>/health</c>, <c>/health/ready</c>, <c>/openapi/v1.json</c> and the <c>/api</c> endpoint groups. Under <c>/api</c> every error is an
    /// RFC 7807 problem (exceptions included: logged, never shown), so the studio's HTML error pages never answer an API client.
    /// Call after <c>MapWorkflowStudio()</c>.
    /// </summary>
    public static WebApplication MapWorkflowApi(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/api"), api =>
        {
            api.UseExceptionHandler();
            api.UseStatusCodePages();
        });
        app.MapHealthChecks("/health", HealthEndpoints.Options);
        app.MapHealthChecks("/health/ready", HealthEndpoints.ReadyOptions);
        // Liveness without checks: a constant answer (also the load benchmark's baseline for the pipeline's own cost).
        app.MapGet("/api/ping", () => TypedResults.Ok(new { status = "ok" })).WithTags("Health").WithSummary("Constant answer: the process is up.");
        app.MapOpenApi();

        var access = app.Services.GetRequiredService<ApiAccess>();
        var management = app.MapGroup("/api").WithTags("Management").AddEndpointFilter(access.RequireAdminAsync);
        management.MapWorkflowManagement();
        management.MapKnowledgeManagement();
        app.MapGroup("/api").WithTags("Run").AddEndpointFilter(access.RequireRunAccessAsync).MapWorkflowRuns();
        return app;
    }
}
