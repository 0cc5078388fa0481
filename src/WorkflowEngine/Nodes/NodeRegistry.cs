using System.Reflection;
using WorkflowEngine.Graphs;

namespace WorkflowEngine.Nodes;

/// <summary>A node type known to the engine: its key, palette metadata and implementation type.</summary>
public sealed record NodeDescriptor(NodeTypeAttribute Metadata, Type ImplementationType, Type ConfigType)
{
    public string Key => Metadata.Key;

    /// <summary>The type caches on its own terms (the response cache), whether or not "Cache results" is ticked on a node.</summary>
    public bool KeepsOwnCache => typeof(Caching.ISelfCachingNode).IsAssignableFrom(ImplementationType);

    /// <summary>The one-line summary of a node of this type (its settings record's <see cref="INodeSummary"/>); empty when the
    /// type has none or the settings cannot be read (the validator says why).</summary>
    public string Summarize(NodeDefinition node, NodeSummaryContext? context = null) =>
        ReadConfig(node) is INodeSummary summary ? summary.Summarize(context ?? NodeSummaryContext.Default) : "";

    /// <summary>True when the type's output ports follow a node's settings (its settings record implements
    /// <see cref="IOutputPorts"/>); otherwise they are the attribute's <see cref="NodeTypeAttribute.OutputPorts"/>.</summary>
    public bool HasSettingsPorts => typeof(IOutputPorts).IsAssignableFrom(ConfigType);

    /// <summary>The named output ports of a node of this type: from its settings when the type's ports follow them, else the
    /// attribute's. Empty means one unnamed output (or none, for a type without <see cref="NodeTypeAttribute.HasOutput"/>).
    /// When the settings cannot be read the attribute's ports are returned (the validator reports the settings).</summary>
    public IReadOnlyList<string> OutputPortsOf(NodeDefinition node) =>
        HasSettingsPorts ? OutputPortsOf(ReadConfig(node)) : OutputPortsOf((object?)null);

    /// <summary><see cref="OutputPortsOf(NodeDefinition)"/> for settings already read (the runner's prepared config, the
    /// validator's cached one): blank names dropped, each name once, trimmed.</summary>
    public IReadOnlyList<string> OutputPortsOf(object? config)
    {
        if (!Metadata.HasOutput)
        {
            return [];
        }
        if (config is not IOutputPorts ports)
        {
            return Metadata.OutputPorts;
        }
        var names = new List<string>();
        foreach (var name in ports.OutputPorts)
        {
            var trimmed = name?.Trim();
            if (!string.IsNullOrEmpty(trimmed) && !names.Contains(trimmed, StringComparer.Ordinal))
            {
                names.Add(trimmed);
            }
        }
        return names;
    }

    /// <summary>A node's settings as this type's settings record (defaults filled in); null when they cannot be read. Parsed on
    /// each call, for code outside a run (the studio); runs use <see cref="Node.ReadConfig"/>.</summary>
    public object? ReadConfig(NodeDefinition node)
    {
        ArgumentNullException.ThrowIfNull(node);
        try
        {
            return node.Settings.ValueKind == System.Text.Json.JsonValueKind.Object
                ? System.Text.Json.JsonSerializer.Deserialize(node.Settings, ConfigType, Node.ConfigSerializerOptions)
                : Activator.CreateInstance(ConfigType);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

/// <summary>Every node type, found by the <see cref="NodeTypeAttribute"/> on sealed <see cref="Node"/> classes.
/// Adding a node type adds a file and changes nothing here.</summary>
public sealed class NodeRegistry
{
    private readonly Dictionary<string, NodeDescriptor> _byKey;

    public NodeRegistry(IEnumerable<NodeDescriptor> descriptors)
    {
        _byKey = descriptors.ToDictionary(d => d.Key, StringComparer.Ordinal);
    }

    /// <summary>The node types defined in an assembly (the engine's own by default).</summary>
    public static IEnumerable<NodeDescriptor> Discover(Assembly? assembly = null) =>
        (assembly ?? typeof(NodeRegistry).Assembly).GetTypes()
            .Where(t => t is { IsAbstract: false, IsClass: true } && typeof(Node).IsAssignableFrom(t))
            .Select(t => (Type: t, Attr: t.GetCustomAttribute<NodeTypeAttribute>()))
            .Where(x => x.Attr is not null)
            .Select(x => new NodeDescriptor(x.Attr!, x.Type, ConfigTypeOf(x.Type)));

    private static Type ConfigTypeOf(Type nodeType)
    {
        for (var t = nodeType; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Node<,>))
            {
                return t.GetGenericArguments()[0];
            }
        }
        throw new InvalidOperationException($"{nodeType.Name} must derive from Node<TConfig, TInput>.");
    }

    public IReadOnlyCollection<NodeDescriptor> All => _byKey.Values;

    /// <summary>The type key of <typeparamref name="TNode"/>, for code that works with one node type's settings: it names the
    /// type's class, so nothing outside the type's own files spells its key.</summary>
    public static string KeyOf<TNode>() where TNode : Node => KeyCache<TNode>.Key;

    private static class KeyCache<TNode> where TNode : Node
    {
        public static readonly string Key = typeof(TNode).GetCustomAttribute<NodeTypeAttribute>()?.Key
            ?? throw new InvalidOperationException($"{typeof(TNode).Name} has no [NodeType] attribute.");
    }

    public NodeDescriptor? Find(string key) => _byKey.GetValueOrDefault(key);

    public bool Contains(string key) => _byKey.ContainsKey(key);
}
