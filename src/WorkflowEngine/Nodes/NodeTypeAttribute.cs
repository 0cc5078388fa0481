namespace WorkflowEngine.Nodes;

/// <summary>Palette metadata of a node type. The key is the document's <c>type</c> value.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class NodeTypeAttribute(string key) : Attribute
{
    public string Key { get; } = key;
    public string DisplayName { get; init; } = key;
    /// <summary>Palette group: Input, Text, Knowledge, AI, Logic, Tools, Cache, Output.</summary>
    public string Category { get; init; } = "Other";
    public string Description { get; init; } = "";
    /// <summary>A Material icon name, e.g. "PlayArrow"; the studio maps it to an icon.</summary>
    public string Icon { get; init; } = "Circle";
    /// <summary>What this node's cached results are called in cache keys: clean, rag_context, prompt, llm_response, answer.</summary>
    public string CacheKind { get; init; } = key;
    /// <summary>Default TTL offered when the user ticks "Cache results".</summary>
    public int DefaultTtlSeconds { get; init; } = 600;
    /// <summary>Output ports when the node has several (the cache gate's hit/miss); empty means one unnamed output. A type whose
    /// ports follow its settings implements <see cref="IOutputPorts"/> on its settings record instead; code that needs a node's
    /// ports asks <see cref="NodeDescriptor.OutputPortsOf(Graphs.NodeDefinition)"/>, never this directly.</summary>
    public string[] OutputPorts { get; init; } = [];
    /// <summary>False for the start node, which has no input port.</summary>
    public bool HasInput { get; init; } = true;
    /// <summary>False for the answer node, which has no output port.</summary>
    public bool HasOutput { get; init; } = true;
    /// <summary>Names of the outputs other nodes may reference as <c>{{ nodeId.output }}</c>.</summary>
    public string[] Outputs { get; init; } = [];
    /// <summary>The colour (CSS hex) of the type's cards, palette entry and inspector icon.</summary>
    public string Color { get; init; } = "#64748b";
    /// <summary>Position within its palette group, lower first; ties by display name.</summary>
    public int PaletteOrder { get; init; } = 100;
    /// <summary>The run's answer is this step's <c>text</c> output: the last such step that ran ends the run with its answer.
    /// A workflow needs at least one.</summary>
    public bool EndsRunWithAnswer { get; init; }
    /// <summary>When this step's outputs say <c>hit</c> = true, its <c>answer</c> output is the run's answer: the steps that end
    /// a run after it use it instead of their own settings (the response cache).</summary>
    public bool SuppliesCachedAnswer { get; init; }
    /// <summary>The step calls a language model (through a model provider); its failures are the model's.</summary>
    public bool CallsModel { get; init; }
}
