using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Api;

/// <summary>The saved graphs the API runs, parsed once per version. A request asks the database nothing while no workflow was
/// created, saved or deleted through this instance's <see cref="WorkflowStore"/> (its <see cref="WorkflowStore.ChangeStamp"/>
/// is unchanged) and the workflow's version was checked within <see cref="RecheckInterval"/>; so a save from the studio or
/// the API takes effect on the next request, and a write by another instance sharing the database within a second.
/// Before, every request read the version from SQLite: under 32 concurrent clients that query and SQLite's connection-pool
/// lock were the largest single cost of a cached run (docs/benchmarks.md, "HTTP API").</summary>
public sealed class PublishedWorkflows(IDbContextFactory<StudioDbContext> dbFactory, WorkflowStore store, TimeProvider time)
{
    /// <summary>How long a version check is trusted when nothing changed in this process.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Published> _graphs = new(StringComparer.Ordinal);

    public async Task<WorkflowGraph?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        // Read the stamp before the database, so a save that lands while we read is seen as a change by the next request.
        var stamp = store.ChangeStamp;
        var now = time.GetTimestamp();
        if (_graphs.TryGetValue(id, out var cached) && cached.Stamp == stamp && time.GetElapsedTime(cached.CheckedAt, now) < RecheckInterval)
        {
            return cached.Graph;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var version = await db.Workflows.AsNoTracking().Where(w => w.Id == id).Select(w => (int?)w.Version).FirstOrDefaultAsync(cancellationToken);
        if (version is null)
        {
            _graphs.TryRemove(id, out _);
            return null;
        }
        if (cached is not null && cached.Version == version)
        {
            _graphs[id] = cached with { Stamp = stamp, CheckedAt = now };
            return cached.Graph;
        }
        var row = await db.Workflows.AsNoTracking().Where(w => w.Id == id).Select(w => new { w.Version, w.Json }).FirstOrDefaultAsync(cancellationToken);
        if (row is null || WorkflowJson.Parse(row.Json).Graph is not { } graph)
        {
            return null;
        }
        _graphs[id] = new Published(row.Version, graph, stamp, now);
        return graph;
    }

    private sealed record Published(int Version, WorkflowGraph Graph, long Stamp, long CheckedAt);
}
