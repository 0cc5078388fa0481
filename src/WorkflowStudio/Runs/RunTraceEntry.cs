using System.Text.Json.Serialization;
using WorkflowEngine.Caching;
using WorkflowEngine.Events;

namespace WorkflowStudio.Runs;

/// <summary>What one node did in a recorded run: the form stored in SQLite (<c>RunEntity.TraceJson</c>), shown by the studio
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

/// <summary>Builds the per-node trace from a run's events, in the order nodes started or were skipped.</summary>
internal sealed class RunTraceRecorder
{
    private readonly List<RunTraceEntry> _entries = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public IReadOnlyList<RunTraceEntry> Entries => _entries;

    public RunTraceEntry? Find(string nodeId) => _index.TryGetValue(nodeId, out var i) ? _entries[i] : null;

    public void Apply(WorkflowEvent e)
    {
        switch (e)
        {
            case NodeStarted s:
                Set(new RunTraceEntry(s.NodeId, s.NodeType, s.Title, RunTraceEntry.Failed, null, null, 0, null, null, null, null, "Did not finish.", null));
                break;
            case NodeSucceeded s:
                Set(FindOrNew(s.NodeId, s.NodeType) with
                {
                    Status = RunTraceEntry.Succeeded,
                    Cache = s.Cache.StatusText,
                    Level = s.Cache.Level?.ToString(),
                    ElapsedMs = s.Elapsed.TotalMilliseconds,
                    InputTokens = s.Tokens?.InputTokens,
                    OutputTokens = s.Tokens?.OutputTokens,
                    SavedMs = s.Cache.Saved?.TotalMilliseconds,
                    OutputPreview = s.OutputPreview,
                    Detail = s.Cache.Status == CacheStatus.Error ? s.Cache.Detail : null,
                    Details = s.Details,
                });
                break;
            case NodeFailed f:
                Set(FindOrNew(f.NodeId, f.NodeType) with { Status = RunTraceEntry.Failed, ElapsedMs = f.Elapsed.TotalMilliseconds, Detail = f.Error });
                break;
            case NodeSkipped k:
                Set(new RunTraceEntry(k.NodeId, k.NodeType, k.NodeId, RunTraceEntry.Skipped, null, null, 0, null, null, null, null, k.Reason, null));
                break;
        }
    }

    /// <summary>Skipped nodes carry no title in their event; take it from the graph.</summary>
    public void SetTitles(Func<string, string?> titleOf)
    {
        for (var i = 0; i < _entries.Count; i++)
        {
            if (titleOf(_entries[i].NodeId) is { Length: > 0 } title)
            {
                _entries[i] = _entries[i] with { Title = title };
            }
        }
    }

    private RunTraceEntry FindOrNew(string nodeId, string type) =>
        _index.TryGetValue(nodeId, out var i)
            ? _entries[i]
            : new RunTraceEntry(nodeId, type, nodeId, RunTraceEntry.Failed, null, null, 0, null, null, null, null, null, null);

    private void Set(RunTraceEntry entry)
    {
        if (_index.TryGetValue(entry.NodeId, out var i))
        {
            _entries[i] = entry;
        }
        else
        {
            _index[entry.NodeId] = _entries.Count;
            _entries.Add(entry);
        }
    }
}
