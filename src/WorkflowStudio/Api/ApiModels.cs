using WorkflowStudio.Runs;

namespace WorkflowStudio.Api;

/// <summary>A saved workflow in the list.</summary>
public sealed record WorkflowListItem(string Id, string Name, string? Description, int Version, DateTimeOffset UpdatedAt);

/// <summary>The answer to creating or saving a workflow.</summary>
public sealed record WorkflowSaved(string Id, int Version);

/// <summary>The body of <c>POST /api/workflows/{id}/run</c>.</summary>
public sealed record RunBody(string? Query, string? ConversationId);

/// <summary>The answer of <c>/run</c> and the <c>done</c> event of <c>/run/stream</c>.</summary>
public sealed record RunResponse(string RunId, string ConversationId, string Answer, double ElapsedMs, IReadOnlyList<RunTraceEntry> Trace);

/// <summary>The answer of <c>/run</c> and the <c>done</c> event of <c>/run/stream</c> for a run key: the trace says what each
/// step did and how long it took, nothing of what it read or wrote.</summary>
public sealed record RunSummaryResponse(string RunId, string ConversationId, string Answer, double ElapsedMs, IReadOnlyList<RunStepSummary> Trace);

/// <summary>A trace entry as a run key sees it: status, cache outcome and timing only. Output previews, prompts, providers and
/// a cache hit's matched question (someone else's question) stay with the admin key and the studio.</summary>
public sealed record RunStepSummary(string NodeId, string Type, string Status, string? Cache, string? Level, double ElapsedMs, double? SavedMs)
{
    public static RunStepSummary Of(RunTraceEntry entry) =>
        new(entry.NodeId, entry.Type, entry.Status, entry.Cache, entry.Level, entry.ElapsedMs, entry.SavedMs);
}

/// <summary>A <c>token</c> event of <c>/run/stream</c>.</summary>
public sealed record TokenEvent(string NodeId, string Text);

public sealed record CreateKeyBody(string? Name);

public sealed record CreateKnowledgeBaseBody(string? Name, string? Description);

public sealed record AddDocumentBody(string? Name, string? Text);

public sealed record Created(string Id);

/// <summary>Cache figures of a workflow: totals and per node.</summary>
public sealed record CacheStatsResponse(
    string WorkflowId, long Hits, long Misses, long NegativeHits, long Errors, double HitRatio, double TimeSavedMs, long TokensSaved,
    IReadOnlyList<NodeCacheStatsItem> Nodes);

public sealed record NodeCacheStatsItem(string NodeId, long Hits, long Misses, long NegativeHits, long Errors, long Bypasses, double HitRatio, double TimeSavedMs, long TokensSaved);
