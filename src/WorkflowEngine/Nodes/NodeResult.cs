namespace WorkflowEngine.Nodes;

/// <summary>What a node returns. Nodes report facts; the engine's middleware adds timing, events and caching.</summary>
public sealed record NodeResult(NodeOutputs Outputs)
{
    /// <summary>For nodes with several output ports: the one the run continues on (the cache gate's "hit" or "miss").
    /// Nodes reachable only through other ports are skipped.</summary>
    public string? ActivePort { get; init; }

    /// <summary>Why the steps behind the ports not taken are skipped, e.g. "answered from cache"; by default the trace says
    /// which port the step continued on.</summary>
    public string? BypassReason { get; init; }

    /// <summary>LLM token usage, when the node called a model.</summary>
    public TokenUsage? Usage { get; init; }

    /// <summary>True when the node found nothing (retrieve below its minimum score): cached briefly as "not found".</summary>
    public bool IsNotFound { get; init; }

    /// <summary>The text this node streamed as tokens; replayed as a stream when the result is later served from cache.</summary>
    public string? StreamedText { get; init; }

    /// <summary>How a node that caches on its own terms (the response-cache gate, <see cref="Caching.ISelfCachingNode"/>) used
    /// its cache in this run: hit with its level and the time saved, miss, or why not looked up. Typed, so the caching
    /// middleware reports it without reading it back out of <see cref="Details"/>.</summary>
    public Caching.CacheOutcome? OwnCacheOutcome { get; init; }

    /// <summary>Extra facts for the trace, e.g. a cache gate's matched question and similarity.</summary>
    public IReadOnlyDictionary<string, string>? Details { get; init; }
}

public sealed record TokenUsage(long InputTokens, long OutputTokens)
{
    public long TotalTokens => InputTokens + OutputTokens;
}
