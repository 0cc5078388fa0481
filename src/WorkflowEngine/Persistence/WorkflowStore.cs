using Microsoft.EntityFrameworkCore;
using WorkflowEngine.Graphs;

namespace WorkflowEngine.Persistence;

public sealed record WorkflowSummary(string Id, string Name, string? Description, int NodeCount, int Version, DateTimeOffset UpdatedAt);

public sealed record StoredWorkflow(string Id, WorkflowGraph Graph, int Version, DateTimeOffset UpdatedAt);

/// <param name="SavedBy">Who saved it; null when unknown (older versions, the preloaded sample).</param>
public sealed record WorkflowVersionInfo(int Version, DateTimeOffset SavedAt, int NodeCount, string? SavedBy);

public enum SaveStatus
{
    Saved,
    /// <summary>Someone saved a newer version since this one was loaded: reload, or save again with overwrite.</summary>
    Conflict,
    NotFound,
}

public sealed record SaveResult(SaveStatus Status, int Version, DateTimeOffset UpdatedAt);

/// <summary>Workflows in the database: current document, a version incremented on each save, and the history of earlier versions.
/// Every document passes the registered <see cref="IWorkflowDocumentFilter"/>s before it is stored.</summary>
public sealed class WorkflowStore(IDbContextFactory<StudioDbContext> dbFactory, TimeProvider time, IEnumerable<IWorkflowDocumentFilter>? filters = null)
{
    private readonly IWorkflowDocumentFilter[] _filters = filters?.ToArray() ?? [];

    private long _changeStamp;

    /// <summary>Grows on every create, save and delete made through this store, so readers that keep parsed graphs
    /// (the API's published workflows) know at once, without asking the database, that something may have changed.</summary>
    public long ChangeStamp => Interlocked.Read(ref _changeStamp);

    public async Task<IReadOnlyList<WorkflowSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Workflows.AsNoTracking()
            .Select(w => new WorkflowSummary(w.Id, w.Name, w.Description, w.NodeCount, w.Version, w.UpdatedAt))
            .ToListAsync(cancellationToken);
        return [.. rows.OrderByDescending(w => w.UpdatedAt)];
    }

    /// <summary>The names of the workflows with a step that searches <paramref name="knowledgeBaseId"/>, in name order.</summary>
    public async Task<IReadOnlyList<string>> NamesUsingKnowledgeBaseAsync(string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        var stored = await ListStoredAsync(cancellationToken);
        return [.. stored
            .Where(w => w.Graph.Nodes.Any(n => string.Equals(Caching.NodeCacheKey.KnowledgeBaseIdOf(n), knowledgeBaseId, StringComparison.Ordinal)))
            .Select(w => w.Graph.Name)
            .Order(StringComparer.CurrentCultureIgnoreCase)];
    }

    /// <summary>Every workflow with its graph, in one query.</summary>
    public async Task<IReadOnlyList<StoredWorkflow>> ListStoredAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entities = await db.Workflows.AsNoTracking().ToListAsync(cancellationToken);
        return [.. entities.Select(ToStored)];
    }

    public async Task<StoredWorkflow?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entity = await db.Workflows.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, cancellationToken);
        return entity is null ? null : ToStored(entity);
    }

    /// <param name="savedBy">Who creates it, kept with its first version.</param>
    public async Task<StoredWorkflow> CreateAsync(WorkflowGraph graph, string? id = null, string? savedBy = null, CancellationToken cancellationToken = default)
    {
        graph = await FilterAsync(graph, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var entity = new WorkflowEntity { Id = id ?? Guid.NewGuid().ToString("n"), CreatedAt = now };
        Apply(entity, graph, now);
        entity.Versions.Add(new WorkflowVersionEntity { WorkflowId = entity.Id, Version = entity.Version, Json = entity.Json, SavedAt = now, SavedBy = savedBy });
        db.Workflows.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        Interlocked.Increment(ref _changeStamp);
        return ToStored(entity);
    }

    /// <summary>Saves a new version when <paramref name="expectedVersion"/> is still current (or <paramref name="overwrite"/> is set).</summary>
    /// <param name="savedBy">Who saves it, kept with the version.</param>
    public async Task<SaveResult> SaveAsync(string id, WorkflowGraph graph, int expectedVersion, bool overwrite = false, string? savedBy = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entity = await db.Workflows.FirstOrDefaultAsync(w => w.Id == id, cancellationToken);
        if (entity is null)
        {
            return new SaveResult(SaveStatus.NotFound, 0, default);
        }
        if (entity.Version != expectedVersion && !overwrite)
        {
            return new SaveResult(SaveStatus.Conflict, entity.Version, entity.UpdatedAt);
        }
        graph = await FilterAsync(graph, cancellationToken);
        var now = time.GetUtcNow();
        Apply(entity, graph, now);
        entity.Version++;
        try
        {
            // The workflow row first, on its own: its version is the concurrency token, so a save that lost the race since
            // our read stops here with a conflict (both providers make the later writer wait for the first's commit, then
            // find the version changed), before its version row could collide with the winner's on (WorkflowId, Version).
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            db.WorkflowVersions.Add(new WorkflowVersionEntity { WorkflowId = id, Version = entity.Version, Json = entity.Json, SavedAt = now, SavedBy = savedBy });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            Interlocked.Increment(ref _changeStamp);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another save won the race between our read and write.
            var current = await GetAsync(id, cancellationToken);
            return new SaveResult(SaveStatus.Conflict, current?.Version ?? 0, current?.UpdatedAt ?? default);
        }
        return new SaveResult(SaveStatus.Saved, entity.Version, now);
    }

    private async ValueTask<WorkflowGraph> FilterAsync(WorkflowGraph graph, CancellationToken cancellationToken)
    {
        foreach (var filter in _filters)
        {
            graph = await filter.BeforeStoreAsync(graph, cancellationToken);
        }
        return graph;
    }

    /// <summary>Deletes the workflow with everything recorded for it: versions, runs (which hold its conversations) and run keys,
    /// in one transaction, so nothing of a deleted bot lingers (its cache is the caller's to clear: see <c>ICacheInvalidation</c>).</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await db.Workflows.Where(w => w.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;
        if (deleted)
        {
            await db.Runs.Where(r => r.WorkflowId == id).ExecuteDeleteAsync(cancellationToken);
            await db.ApiKeys.Where(k => k.WorkflowId == id).ExecuteDeleteAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        Interlocked.Increment(ref _changeStamp);
        return deleted;
    }

    public async Task<IReadOnlyList<WorkflowVersionInfo>> ListVersionsAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.WorkflowVersions.AsNoTracking().Where(v => v.WorkflowId == id)
            .OrderByDescending(v => v.Version).Select(v => new { v.Version, v.SavedAt, v.Json, v.SavedBy }).ToListAsync(cancellationToken);
        return [.. rows.Select(r => new WorkflowVersionInfo(r.Version, r.SavedAt, WorkflowJson.Parse(r.Json).Graph?.Nodes.Length ?? 0, r.SavedBy))];
    }

    public async Task<WorkflowGraph?> GetVersionAsync(string id, int version, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var json = await db.WorkflowVersions.AsNoTracking().Where(v => v.WorkflowId == id && v.Version == version)
            .Select(v => v.Json).FirstOrDefaultAsync(cancellationToken);
        return json is null ? null : WorkflowJson.Parse(json).Graph;
    }

    private static void Apply(WorkflowEntity entity, WorkflowGraph graph, DateTimeOffset now)
    {
        entity.Name = graph.Name;
        entity.Description = graph.Description;
        entity.Json = WorkflowJson.Serialize(graph);
        entity.NodeCount = graph.Nodes.Length;
        entity.UpdatedAt = now;
    }

    private static StoredWorkflow ToStored(WorkflowEntity e) =>
        new(e.Id, WorkflowJson.Parse(e.Json).Graph ?? new WorkflowGraph { Name = e.Name }, e.Version, e.UpdatedAt);
}
