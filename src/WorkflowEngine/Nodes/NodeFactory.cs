using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace WorkflowEngine.Nodes;

/// <summary>Creates node type instances (one per type: nodes are stateless) with their services injected through
/// <see cref="ActivatorUtilities"/>, so a node type may take e.g. an <c>IKnowledgeSearch</c> in its constructor.</summary>
public sealed class NodeFactory(IServiceProvider services, NodeRegistry registry)
{
    private readonly ConcurrentDictionary<string, Node> _instances = new(StringComparer.Ordinal);

    public NodeRegistry Registry { get; } = registry;

    /// <summary>The node type's instance with its metadata, or null for an unknown type key.</summary>
    public (Node Node, NodeTypeAttribute Metadata)? Find(string typeKey)
    {
        if (Registry.Find(typeKey) is not { } descriptor)
        {
            return null;
        }
        var node = _instances.GetOrAdd(typeKey, _ => (Node)ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType));
        return (node, descriptor.Metadata);
    }

    /// <summary>The node type's instance; throws <see cref="KeyNotFoundException"/> for an unknown type key.</summary>
    public Node Get(string typeKey) =>
        Find(typeKey)?.Node ?? throw new KeyNotFoundException($"There is no node type '{typeKey}'.");
}
