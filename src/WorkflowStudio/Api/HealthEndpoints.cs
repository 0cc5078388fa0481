using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WorkflowEngine.Caching;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Api;

/// <summary>The SQLite database answers a query: connected, or down (Unhealthy: nothing can be loaded or recorded).</summary>
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

internal static class HealthEndpoints
{
    public static readonly HealthCheckOptions Options = new()
    {
        ResponseWriter = WriteAsync,
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
    };

    /// <summary>{ "status": "Healthy"|"Degraded"|"Unhealthy", "database": "connected"|"down", "redis": "connected"|"disabled"|"down" }</summary>
    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            database = StateOf(report, "database"),
            redis = StateOf(report, "redis"),
        }));
    }

    private static string StateOf(HealthReport report, string name) =>
        report.Entries.TryGetValue(name, out var entry) && entry.Data.TryGetValue("state", out var state) ? state.ToString() ?? "unknown" : "unknown";
}
