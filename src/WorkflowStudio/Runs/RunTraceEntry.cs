using System.Text.Json.Serialization;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;

namespace WorkflowStudio.Runs;

/// <summary>What one node did in a recorded run: the form stored in the database (<c>RunEntity.TraceJson</c>), shown by the studio
/// and returned by the HTTP API.</summary>
/// <param name="Status">succeeded, skipped or failed.</param>
/// <param name="Cache">hit, miss, negative-hit, bypass or error; null when the node did not finish.</param>
/// <param name="Level">L1 or L2 on hits.</param>
/// <param name="Detail">The skip reason, the error, or cache trouble, in plain language.</param>
/// <param name="Details">Node-specific facts, e.g. the matched question and similarity of a semantic cache hit.</param>
public sealed partial record RunTraceEntry(
    string NodeId,
    string Type,
    string Title,
    string Status,
    string? Cache,
    string? Level,
    double ElapsedMs,
    long? InputTokens,
    long? OutputTokens,
    double? SavedMs,
    string? OutputPreview,
    string? Detail,
    IReadOnlyDictionary<string, string>? Details)
{
    public const string Succeeded = "succeeded";
    public const string Skipped = "skipped";
    public const string Failed = "failed";

    /// <summary>The output port the run continued on, for steps with several (a response cache's hit or miss).</summary>
    public string? Port { get; init; }

    /// <summary>The stored and API shape of the engine's trace entry (the one fold, <see cref="RunTraceBuilder"/>).</summary>
    public static RunTraceEntry From(NodeTrace t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var succeeded = t.Status == NodeRunStatus.Succeeded;
        var cache = succeeded ? t.Cache : null;
        return new RunTraceEntry(t.NodeId, t.NodeType, t.Title, StatusText(t.Status), cache?.StatusText, cache?.Level?.ToString(),
            t.Elapsed.TotalMilliseconds, t.Tokens?.InputTokens, t.Tokens?.OutputTokens, cache?.Saved?.TotalMilliseconds, t.OutputPreview,
            succeeded ? (cache is { Status: CacheStatus.Error } ? cache.Detail : null) : t.Message,
            t.Details)
        {
            Port = t.Port,
        };
    }

    private static string StatusText(NodeRunStatus status) => status switch
    {
        NodeRunStatus.Succeeded => Succeeded,
        NodeRunStatus.Skipped => Skipped,
        _ => Failed,
    };

    [JsonIgnore]
    public bool IsCacheHit => Cache is "hit" or "negative-hit";

    /// <summary><see cref="OutputPreview"/> for people: the JSON's <c>\uXXXX</c> escapes (of &gt;, &amp;, quotes and every
    /// non-ASCII character, Chinese included) shown as the characters they stand for. The preview may be cut, so it is not
    /// parsed; other escapes (\" \\ \n) stay as they are.</summary>
    [JsonIgnore]
    public string? ReadablePreview => OutputPreview is null ? null : UnicodeEscape().Replace(OutputPreview,
        m => ((char)int.Parse(m.ValueSpan[2..], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)).ToString());

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<!\\)\\u[0-9A-Fa-f]{4}")]
    private static partial System.Text.RegularExpressions.Regex UnicodeEscape();
}
