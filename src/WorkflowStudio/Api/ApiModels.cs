using WorkflowStudio.Runs;

namespace WorkflowStudio.Api;

/// <summary>A saved workflow in the list.</summary>
public sealed record WorkflowListItem(string Id, string Name, string? Description, int Version, DateTimeOffset UpdatedAt);

/// <summary>The answer to creating or saving a workflow.</summary>
public sealed record WorkflowSaved(string Id, int Version);

/// <summary>The body of <c>POST /api/workflows/{id}/run</c>.</summary>
/// <param name="Query">The question (at most Api:MaxQueryLength characters).</param>
/// <param name="ConversationId">Continues that conversation (1–100 letters, digits, '-', '_', '.', ':'); left out, a new one starts.</param>
public sealed record RunBody(string? Query, string? ConversationId = null);

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

/// <summary>The body of <c>POST /api/runs/{runId}/feedback</c>.</summary>
/// <param name="Correct">false: the answer was wrong (dropped from the response cache, the question pair blocked); true: it
/// was right (acknowledged, nothing recorded).</param>
public sealed record FeedbackBody(bool? Correct);

/// <summary>The answer to a wrong-answer report.</summary>
/// <param name="FromCache">The answer had been served from the response cache (false: the run wrote it and it was stored).</param>
/// <param name="PairBlocked">The question will never again be answered with the cached answer of the (different) question it
/// was matched to.</param>
/// <param name="Message">What happened, in one sentence.</param>
public sealed record FeedbackResponse(string RunId, bool FromCache, bool PairBlocked, string Message);

/// <summary>A <c>token</c> event of <c>/run/stream</c>.</summary>
public sealed record TokenEvent(string NodeId, string Text);

/// <param name="Name">What the key is for, e.g. "website" (at most 100 characters).</param>
public sealed record CreateKeyBody(string? Name = null);

public sealed record CreateKnowledgeBaseBody(string? Name, string? Description = null);

/// <param name="Name">The document's name, e.g. "refunds.md".</param>
/// <param name="Text">Its text (Markdown or plain).</param>
public sealed record AddDocumentBody(string? Name, string? Text);

public sealed record Created(string Id);

/// <summary>The body of <c>/health</c>.</summary>
/// <param name="Status">Healthy, Degraded (Redis down: answers still come, from the in-process cache) or Unhealthy (database down, 503).</param>
/// <param name="Database">connected or down.</param>
/// <param name="Redis">connected, disabled (not configured) or down.</param>
public sealed record HealthResponse(string Status, string Database, string Redis);

/// <summary>The body of <c>/health/ready</c>.</summary>
/// <param name="Status">Healthy when ready; otherwise Degraded or Unhealthy (503).</param>
/// <param name="Ready">ready, indexing (the sample knowledge base is still being indexed) or down (the database cannot be read).</param>
public sealed record ReadinessResponse(string Status, string Ready);

/// <summary>Cache figures of a workflow: totals and per node.</summary>
public sealed record CacheStatsResponse(
    string WorkflowId, long Hits, long Misses, long NegativeHits, long Errors, double HitRatio, double TimeSavedMs, long TokensSaved,
    IReadOnlyList<NodeCacheStatsItem> Nodes);

public sealed record NodeCacheStatsItem(string NodeId, long Hits, long Misses, long NegativeHits, long Errors, long Bypasses, double HitRatio, double TimeSavedMs, long TokensSaved);

/// <summary>The body of <c>/api/ping</c>: always <c>ok</c>.</summary>
public sealed record PingResponse(string Status);
