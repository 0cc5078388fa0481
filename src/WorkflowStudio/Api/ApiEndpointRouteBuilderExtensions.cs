using Scalar.AspNetCore;
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
        var health = app.MapGroup("").WithTags("Health");
        health.MapGet("/health", HealthEndpoints.LivenessAsync).WithName("getHealth")
            .WithSummary("Database and Redis: Healthy, Degraded (Redis down: answers still come from the in-process cache) or Unhealthy (503).")
            .Produces<HealthResponse>().Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        health.MapGet("/health/ready", HealthEndpoints.ReadinessAsync).WithName("getReadiness")
            .WithSummary("Ready for traffic: the database answers and the sample knowledge base is fully indexed; 503 until then.")
            .Produces<ReadinessResponse>().Produces<ReadinessResponse>(StatusCodes.Status503ServiceUnavailable);
        // Liveness without checks: a constant answer (also the load benchmark's baseline for the pipeline's own cost).
        health.MapGet("/api/ping", () => TypedResults.Ok(new PingResponse("ok"))).WithName("ping").WithSummary("Constant answer: the process is up.");
        app.MapOpenApi();
        // The interactive reference; no telemetry, AI agent or hosted-service buttons: the studio sends nothing elsewhere.
        app.MapScalarApiReference(ApiDocument.ReferencePrefix, o => o.WithTitle("Workflow Studio API")
            .AddPreferredSecuritySchemes(ApiDocument.SecuritySchemeName).WithOperationTitleSource(OperationTitleSource.Path).HideDeveloperTools().DisableTelemetry().DisableAgent().DisableMcp());

        var access = app.Services.GetRequiredService<ApiAccess>();
        var management = app.MapGroup("/api").WithMetadata(ApiKeyRequirement.Admin).AddEndpointFilter(access.RequireAdminAsync);
        management.MapWorkflowManagement();
        management.MapKnowledgeManagement();
        app.MapGroup("/api").WithTags("Run").WithMetadata(ApiKeyRequirement.Run).AddEndpointFilter(access.RequireRunAccessAsync).MapWorkflowRuns();
        return app;
    }
}
