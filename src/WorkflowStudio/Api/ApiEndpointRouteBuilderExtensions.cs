using Scalar.AspNetCore;
using WorkflowStudio.Api;

namespace Microsoft.AspNetCore.Builder;

public static class ApiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>/health</c>, <c>/health/ready</c>, <c>/openapi/v1.json</c> and the <c>/api</c> endpoint groups. Under <c>/api</c> every error is an
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
        var health = app.MapGroup("").WithTags("Health").AllowAnonymous();
        health.MapGet("/health", HealthEndpoints.LivenessAsync).WithName("getHealth")
            .WithSummary("Database and Redis: Healthy, Degraded (Redis down: answers still come from the in-process cache) or Unhealthy (503).")
            .Produces<HealthResponse>().Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        health.MapGet("/health/ready", HealthEndpoints.ReadinessAsync).WithName("getReadiness")
            .WithSummary("Ready for traffic: the database answers and the sample knowledge base is fully indexed; 503 until then.")
            .Produces<ReadinessResponse>().Produces<ReadinessResponse>(StatusCodes.Status503ServiceUnavailable);
        // Liveness without checks: a constant answer (also the load benchmark's baseline for the pipeline's own cost).
        health.MapGet("/api/ping", () => TypedResults.Ok(new PingResponse("ok"))).WithName("ping").WithSummary("Constant answer: the process is up.");
        app.MapOpenApi().AllowAnonymous();
        // The interactive reference of the public API, readable without signing in like the document it shows; no telemetry,
        // AI agent or hosted-service buttons: the studio sends nothing elsewhere.
        // Its scripts carry this response's CSP nonce; its fonts are the studio's, not a font service's.
        app.MapScalarApiReference(ApiDocument.ReferencePrefix, (o, http) => o.WithTitle("Workflow Studio API")
            .AddPreferredSecuritySchemes(ApiDocument.SecuritySchemeName).WithOperationTitleSource(OperationTitleSource.Path)
            .HideDeveloperTools().DisableTelemetry().DisableAgent().DisableMcp().DisableDefaultFonts()
            .WithNonce(WorkflowStudio.Hosting.SecurityHeaders.Nonce(http)))
            .AllowAnonymous();

        var access = app.Services.GetRequiredService<ApiAccess>();
        var management = app.MapGroup("/api").AllowAnonymous().WithMetadata(ApiKeyRequirement.Admin).AddEndpointFilter(access.RequireAdminAsync);
        management.MapWorkflowManagement();
        management.MapKnowledgeManagement();
        app.MapGroup("/api").AllowAnonymous().WithTags("Run").WithMetadata(ApiKeyRequirement.Run).AddEndpointFilter(access.RequireRunAccessAsync).MapWorkflowRuns();
        app.MapGroup("/api").AllowAnonymous().WithTags("Run").WithMetadata(ApiKeyRequirement.RecordedRun).AddEndpointFilter(access.RequireRecordedRunAccessAsync).MapRunFeedback();
        // Without it an unknown /api address would have no endpoint, fall under the studio's sign-in rule and answer with the
        // sign-in page; API clients get a problem instead (a known address with another method answers this too).
        app.MapFallback("/api/{**path}", (HttpContext http) => ApiProblems.NotFound($"There is no API endpoint {http.Request.Method} {http.Request.Path}."))
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
