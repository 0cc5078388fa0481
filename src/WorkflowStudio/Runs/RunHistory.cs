using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WorkflowEngine.Execution;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Runs;

/// <summary>Filters for the Runs page and the API; every filter is optional.</summary>
/// <param name="Status">succeeded, failed or cancelled.</param>
public sealed record RunQuery(string? WorkflowId = null, string? Status = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Skip = 0, int Take = 50);

/// <summary>One row of the Runs list.</summary>
/// <param name="StartedBy">Who asked (<see cref="Accounts.Actors"/>); null for runs recorded before this was.</param>
public sealed record RunSummary(
    string Id, string WorkflowId, string WorkflowName, string ConversationId, string Source, string Query, string? Answer,
    string Status, string? Error, DateTimeOffset StartedAt, double ElapsedMs, int CacheHits, int NodeCount, double SavedMs, string? StartedBy);

/// <summary>A recorded run with its per-node trace.</summary>
public sealed record RunDetails(RunSummary Run, IReadOnlyList<RunTraceEntry> Trace);

/// <summary>A turn of a conversation as recorded with its run: the question when the run started, the answer when it ended.</summary>
/// <param name="Role"><see cref="ChatTurn.User"/> or <see cref="ChatTurn.Assistant"/>.</param>
public sealed record RecordedTurn(string Role, string Text, string RunId, DateTimeOffset At);

/// <summary>Reads recorded runs: lists newest first, a conversation oldest first.</summary>
public sealed class RunHistory(IDbContextFactory<StudioDbContext> dbFactory)
{
    public const int MaxTake = 500;

    public async Task<IReadOnlyList<RunSummary>> ListAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        IQueryable<RunEntity> runs = db.Runs.AsNoTracking();
        if (!string.IsNullOrEmpty(query.WorkflowId))
        {
            runs = runs.Where(r => r.WorkflowId == query.WorkflowId);
        }
        if (!string.IsNullOrEmpty(query.Status))
        {
            var status = query.Status.ToLowerInvariant();
            runs = runs.Where(r => r.Status == status);
        }
        if (query.From is { } from)
        {
            runs = runs.Where(r => r.StartedAt >= from);
        }
        if (query.To is { } to)
        {
            runs = runs.Where(r => r.StartedAt < to);
        }
        return await runs.OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id)
            .Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, MaxTake))
            // The workflow's current name (it may have been renamed since); the name it had then once it is deleted.
            .Select(r => new RunSummary(r.Id, r.WorkflowId, db.Workflows.Where(w => w.Id == r.WorkflowId).Select(w => w.Name).FirstOrDefault() ?? r.WorkflowName,
                r.ConversationId, r.Source, r.Query, r.Answer, r.Status, r.Error, r.StartedAt, r.ElapsedMs, r.CacheHits, r.NodeCount, r.SavedMs, r.StartedBy))
            .ToListAsync(cancellationToken);
    }

    public async Task<RunDetails?> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var r = await db.Runs.AsNoTracking().FirstOrDefaultAsync(x => x.Id == runId, cancellationToken);
        if (r is null)
        {
            return null;
        }
        var trace = JsonSerializer.Deserialize<List<RunTraceEntry>>(r.TraceJson, RunRecorder.TraceJson) ?? [];
        var currentName = await db.Workflows.AsNoTracking().Where(w => w.Id == r.WorkflowId).Select(w => w.Name).FirstOrDefaultAsync(cancellationToken);
        return new RunDetails(new RunSummary(r.Id, r.WorkflowId, currentName ?? r.WorkflowName, r.ConversationId, r.Source, r.Query, r.Answer, r.Status, r.Error,
            r.StartedAt, r.ElapsedMs, r.CacheHits, r.NodeCount, r.SavedMs, r.StartedBy), trace);
    }

    /// <summary>A conversation's stored turns, oldest first (durable, unlike the conversation memory with its TTL): the question
    /// and answer of each of its recorded runs that succeeded with an answer. Runs pruned from the history take their turns.</summary>
    public async Task<IReadOnlyList<RecordedTurn>> ConversationAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // No index on ConversationId: nothing reads this on a hot path, and an index would cost every recorded run.
        var runs = await db.Runs.AsNoTracking()
            .Where(r => r.ConversationId == conversationId && r.Status == "succeeded" && r.Answer != null)
            .OrderBy(r => r.StartedAt).ThenBy(r => r.Id)
            .Select(r => new { r.Id, r.Query, r.Answer, r.StartedAt, r.ElapsedMs })
            .ToListAsync(cancellationToken);
        return [.. runs.SelectMany(r => new[]
        {
            new RecordedTurn(ChatTurn.User, r.Query, r.Id, r.StartedAt),
            new RecordedTurn(ChatTurn.Assistant, r.Answer!, r.Id, r.StartedAt + TimeSpan.FromMilliseconds(r.ElapsedMs)),
        })];
    }
}
