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
