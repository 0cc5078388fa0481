namespace WorkflowEngine.Nodes;

/// <summary>Palette metadata of a node type. The key is the document's <c>type</c> value.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class NodeTypeAttribute(string key) : Attribute
{
    public string Key { get; } = key;
    public string DisplayName { get; init; } = key;
    /// <summary>Palette group: Input, Text, Knowledge, AI, Cache, Output.</summary>
    public string Category { get; init; } = "Other";
    public string Description { get; init; } = "";
    /// <summary>A Material icon name, e.g. "PlayArrow"; the studio maps it to an icon.</summary>
    public string Icon { get; init; } = "Circle";
    /// <summary>What this node's cached results are called in cache keys: clean, rag_context, prompt, llm_response, answer.</summary>
    public string CacheKind { get; init; } = key;
    /// <summary>Default TTL offered when the user ticks "Cache results".</summary>
    public int DefaultTtlSeconds { get; init; } = 600;
    /// <summary>Output ports when the node has several (the cache gate's hit/miss); empty means one unnamed output.</summary>
    public string[] OutputPorts { get; init; } = [];
    /// <summary>False for the start node, which has no input port.</summary>
    public bool HasInput { get; init; } = true;
    /// <summary>False for the answer node, which has no output port.</summary>
    public bool HasOutput { get; init; } = true;
    /// <summary>Names of the outputs other nodes may reference as <c>{{ nodeId.output }}</c>.</summary>
    public string[] Outputs { get; init; } = [];
}
