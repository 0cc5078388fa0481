using System.Text.Json.Serialization;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Caching;

/// <summary>A node result as stored in L1/L2, with how long producing it took (what a hit saves).</summary>
public sealed record CachedNodeResult
{
    public required string Outputs { get; init; }
    public string? ActivePort { get; init; }
    public string? BypassReason { get; init; }
    public long? InputTokens { get; init; }
    public long? OutputTokens { get; init; }
    public bool IsNotFound { get; init; }
    public string? StreamedText { get; init; }
    public Dictionary<string, string>? Details { get; init; }
    public double MissMilliseconds { get; init; }

    /// <summary>True on the copy this process produced (never serialized): a run that waited for it in this process got it from L1.</summary>
    [JsonIgnore]
    public bool ProducedHere { get; init; }

    public long TokensSaved => (InputTokens ?? 0) + (OutputTokens ?? 0);

    public static CachedNodeResult From(NodeResult result, TimeSpan elapsed) => new()
    {
        Outputs = result.Outputs.ToJson(),
        ActivePort = result.ActivePort,
        BypassReason = result.BypassReason,
        InputTokens = result.Usage?.InputTokens,
        OutputTokens = result.Usage?.OutputTokens,
        IsNotFound = result.IsNotFound,
        StreamedText = result.StreamedText,
        Details = result.Details is null ? null : new Dictionary<string, string>(result.Details, StringComparer.Ordinal),
        MissMilliseconds = elapsed.TotalMilliseconds,
        ProducedHere = true,
    };

    /// <summary>The result to hand on after a hit. Usage is left out: a hit spends no tokens (they count as saved).</summary>
    public NodeResult ToResult() => new(NodeOutputs.FromJson(Outputs))
    {
        ActivePort = ActivePort,
        BypassReason = BypassReason,
        IsNotFound = IsNotFound,
        StreamedText = StreamedText,
        Details = Details,
    };
}
