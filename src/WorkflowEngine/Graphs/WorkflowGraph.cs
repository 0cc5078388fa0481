using System.Collections.Immutable;
using System.Text.Json;

namespace WorkflowEngine.Graphs;

/// <summary>An immutable workflow document: the engine's nodes and edges, plus designer layout kept apart.</summary>
public sealed record WorkflowGraph
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public string Name { get; init; } = "Untitled workflow";
    public string? Description { get; init; }
    public ImmutableArray<NodeDefinition> Nodes { get; init; } = [];
    public ImmutableArray<Edge> Edges { get; init; } = [];

    /// <summary>Canvas positions by node id: designer metadata, never read by the engine.</summary>
    public ImmutableDictionary<string, NodePosition> Layout { get; init; } = ImmutableDictionary<string, NodePosition>.Empty;

    public NodeDefinition? FindNode(string id)
    {
        // A plain loop: a LINQ predicate capturing id allocated a closure and a delegate on every call (several per run).
        foreach (var node in Nodes)
        {
            if (node.Id == id)
            {
                return node;
            }
        }
        return null;
    }
}

/// <summary>One node of a graph. <see cref="Settings"/> is the type-specific JSON object, read by the node type's Config record.</summary>
public sealed record NodeDefinition(string Id, string Type, string Title, JsonElement Settings, NodeCacheSettings Cache)
{
    public static JsonElement EmptySettings { get; } = JsonDocument.Parse("{}").RootElement.Clone();
}

/// <summary>The per-node "Cache results" checkbox and its time to live.</summary>
public sealed record NodeCacheSettings(bool Enabled, int TtlSeconds)
{
    /// <summary>One week: longer TTLs are rejected by validation as almost certainly a mistake.</summary>
    public const int MaxTtlSeconds = 7 * 24 * 3600;

    public static NodeCacheSettings Disabled { get; } = new(false, 600);

    public TimeSpan Ttl => TimeSpan.FromSeconds(TtlSeconds);
}

/// <summary>A connection; ports name the output or input where a node has several (the cache gate's <c>hit</c>/<c>miss</c>).</summary>
public sealed record Edge(string From, string To, string? FromPort = null, string? ToPort = null);

public sealed record NodePosition(double X, double Y);
