using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Api;

/// <summary>The saved graphs the API runs. Each request reads only the workflow's version (one indexed lookup); the parsed
/// graph is reused while the version is unchanged, so a save from the studio or the API takes effect on the next request.</summary>
public sealed class PublishedWorkflows(IDbContextFactory<StudioDbContext> dbFactory)
{
    private readonly ConcurrentDictionary<string, (int Version, WorkflowGraph Graph)> _graphs = new(StringComparer.Ordinal);

    public async Task<WorkflowGraph?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var version = await db.Workflows.AsNoTracking().Where(w => w.Id == id).Select(w => (int?)w.Version).FirstOrDefaultAsync(cancellationToken);
        if (version is null)
        {
            _graphs.TryRemove(id, out _);
            return null;
        }
        if (_graphs.TryGetValue(id, out var cached) && cached.Version == version)
        {
            return cached.Graph;
        }
        var row = await db.Workflows.AsNoTracking().Where(w => w.Id == id).Select(w => new { w.Version, w.Json }).FirstOrDefaultAsync(cancellationToken);
        if (row is null || WorkflowJson.Parse(row.Json).Graph is not { } graph)
        {
            return null;
        }
        _graphs[id] = (row.Version, graph);
        return graph;
    }
}
