using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WorkflowEngine.Caching;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Api;

/// <summary>The database (SQLite or PostgreSQL) answers a query: connected, or down (Unhealthy: nothing can be loaded or recorded).</summary>
internal sealed class DatabaseHealthCheck(IDbContextFactory<StudioDbContext> dbFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await db.Workflows.AsNoTracking().AnyAsync(cancellationToken);
            return HealthCheckResult.Healthy("connected", State("connected"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The database cannot be read.", data: State("down"));
        }
    }

    internal static IReadOnlyDictionary<string, object> State(string state) => new Dictionary<string, object> { ["state"] = state };
}

/// <summary>Redis from the cache layer: connected or disabled is Healthy; down is Degraded (answers still come, from L1).</summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = redis.Health;
        var data = DatabaseHealthCheck.State(health.StatusText);
        return Task.FromResult(health.Status == RedisStatus.Down
            ? HealthCheckResult.Degraded(health.Detail ?? "Redis is unreachable; caching continues in this process only.", data: data)
            : HealthCheckResult.Healthy(health.StatusText, data));
    }
}

/// <summary>Readiness for load balancers and tests: the database answers and the sample knowledge base is fully indexed. While
/// its articles are indexed (10–20 s on a new database) every finished document rightly drops that base's cached answers, so
/// traffic sent then would miss the cache twice for the same question and be answered from a half-built index.</summary>
internal sealed class ReadinessHealthCheck(IDbContextFactory<StudioDbContext> dbFactory, KnowledgeBaseService knowledgeBases) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            {
                await db.Workflows.AsNoTracking().AnyAsync(cancellationToken);
            }
            return await knowledgeBases.IsIndexingAsync(SampleKnowledgeBase.Id, cancellationToken)
                // Degraded, not Unhealthy: not ready yet is expected at start and is logged as a warning, not an error.
                ? HealthCheckResult.Degraded("The sample knowledge base is still being indexed.", data: DatabaseHealthCheck.State("indexing"))
                : HealthCheckResult.Healthy("ready", DatabaseHealthCheck.State("ready"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The database cannot be read.", data: DatabaseHealthCheck.State("down"));
        }
    }
}

internal static class HealthEndpoints
{
    /// <summary>The tag of checks that only <c>/health/ready</c> runs.</summary>
    public const string ReadyTag = "ready";

    /// <summary><c>/health</c>: can the process serve (database, Redis). Readiness is left out, so a liveness probe never
    /// restarts an instance that is still indexing.</summary>
    public static async Task<IResult> LivenessAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(check => !check.Tags.Contains(ReadyTag), cancellationToken);
        var body = new HealthResponse(report.Status.ToString(), StateOf(report, "database"), StateOf(report, "redis"));
        return report.Status == HealthStatus.Unhealthy ? TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable) : TypedResults.Ok(body);
    }

    /// <summary><c>/health/ready</c>: 200 once the studio answers from complete indexes; 503 before.</summary>
    public static async Task<IResult> ReadinessAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(ReadyTag), cancellationToken);
        var body = new ReadinessResponse(report.Status.ToString(), StateOf(report, ReadyTag));
        return report.Status == HealthStatus.Healthy ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static string StateOf(HealthReport report, string name) =>
        report.Entries.TryGetValue(name, out var entry) && entry.Data.TryGetValue("state", out var state) ? state.ToString() ?? "unknown" : "unknown";
}
