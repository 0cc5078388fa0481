using System.Reflection;

namespace WorkflowEngine.Nodes;

/// <summary>A node type known to the engine: its key, palette metadata and implementation type.</summary>
public sealed record NodeDescriptor(NodeTypeAttribute Metadata, Type ImplementationType, Type ConfigType)
{
    public string Key => Metadata.Key;
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

    public NodeDescriptor? Find(string key) => _byKey.GetValueOrDefault(key);

    public bool Contains(string key) => _byKey.ContainsKey(key);
}
