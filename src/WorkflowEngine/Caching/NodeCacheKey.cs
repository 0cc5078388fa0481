using System.Runtime.CompilerServices;
using System.Text.Json;
using WorkflowEngine.Execution.Middleware;
using WorkflowEngine.Graphs;

namespace WorkflowEngine.Caching;

/// <summary>
/// A node result's cache key: <c>{kind}:{workflowId}:{nodeId}:{settingsHash}:{inputHash}</c> (the configured prefix is added
/// by the cache). <c>settingsHash</c> is SHA-256 over the canonical JSON of the node type and its parsed settings (defaults
/// filled in), so an edited node never serves an old result; <c>inputHash</c> is SHA-256 over the canonical JSON of the
/// node's input identity (what it read from earlier nodes, e.g. the cleaned question and the knowledge-base version).
/// </summary>
public sealed record NodeCacheKey(string Kind, string WorkflowId, string NodeId, string SettingsHash, string InputHash)
{
    // A node's settings hash depends only on its parsed Config, which the node type parses once per definition; hashing it
    // again on every cached run cost a canonical-JSON serialization and a SHA-256 per node (bench/WorkflowBench).
    private static readonly ConditionalWeakTable<object, string> SettingsHashes = new();

    public string Value => $"{Kind}:{WorkflowId}:{NodeId}:{SettingsHash}:{InputHash}";

    public override string ToString() => Value;

    public static NodeCacheKey For(NodeInvocation invocation) =>
        new(
            invocation.Metadata.CacheKind,
            invocation.Run.WorkflowId,
            invocation.Node.Id,
            SettingsHashOf(invocation.Node.Type, invocation.Prepared.Config),
            CanonicalJson.Hash(invocation.Prepared.InputIdentity));

    /// <summary>Hash of a node's type and settings. <paramref name="config"/> is the parsed Config record (or raw settings).</summary>
    public static string HashSettings(string nodeType, object? config) =>
        CanonicalJson.Hash(new { type = nodeType, settings = config is null ? default : ToElement(config) });

    /// <summary><see cref="HashSettings"/>, remembered per Config instance (a Config is immutable and belongs to one node).</summary>
    private static string SettingsHashOf(string nodeType, object config)
    {
        if (config is JsonElement)
        {
            return HashSettings(nodeType, config);
        }
        if (SettingsHashes.TryGetValue(config, out var hash))
        {
            return hash;
        }
        hash = HashSettings(nodeType, config);
        SettingsHashes.AddOrUpdate(config, hash);
        return hash;
    }

    private static JsonElement ToElement(object config) =>
        config is JsonElement element ? element : JsonSerializer.SerializeToElement(config, config.GetType(), Nodes.Node.ConfigSerializerOptions);

    /// <summary>The tags an entry of this node carries, for "Clear cache" and knowledge-base invalidation.</summary>
    public static IReadOnlyList<string> TagsFor(string workflowId, NodeDefinition node)
    {
        var tags = new List<string>(3) { WorkflowTag(workflowId), NodeTag(workflowId, node.Id) };
        if (KnowledgeBaseIdOf(node) is { } kb)
        {
            tags.Add(KnowledgeBaseTag(kb));
        }
        return tags;
    }

    public static string WorkflowTag(string workflowId) => $"wf:{workflowId}";

    public static string NodeTag(string workflowId, string nodeId) => $"wf:{workflowId}:node:{nodeId}";

    public static string KnowledgeBaseTag(string knowledgeBaseId) => $"kb:{knowledgeBaseId}";

    /// <summary>The <c>knowledgeBaseId</c> setting of a node (retrieve), if it has one.</summary>
    public static string? KnowledgeBaseIdOf(NodeDefinition node) =>
        node.Settings.ValueKind == JsonValueKind.Object
        && node.Settings.TryGetProperty("knowledgeBaseId", out var kb)
        && kb.ValueKind == JsonValueKind.String
        && !string.IsNullOrWhiteSpace(kb.GetString())
            ? kb.GetString()
            : null;
}
