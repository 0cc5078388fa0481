using System.Collections.Frozen;
using System.Reflection;
using WorkflowEngine.Nodes;

namespace WorkflowStudio.Components.Inspector;

/// <summary>Marks a component as the settings form of a node type, so adding a node type's form is adding its file:
/// <c>@attribute [NodeSettingsEditor(typeof(LlmNode))]</c> on a component that inherits <see cref="SettingsEditorBase"/>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class NodeSettingsEditorAttribute(Type nodeType) : Attribute
{
    public Type NodeType { get; } = nodeType;
}

/// <summary>The settings form for each node type, found by <see cref="NodeSettingsEditorAttribute"/>; a type without one gets
/// the JSON editor.</summary>
public static class SettingsEditors
{
    // Read-only lookup built once from the studio's own types, shared by every circuit: frozen so no user state can land in it.
    private static readonly FrozenDictionary<string, Type> Editors = Discover(typeof(SettingsEditors).Assembly);

    public static Type For(string nodeType) => Editors.GetValueOrDefault(nodeType, typeof(GenericSettings));

    /// <summary>The editors an assembly declares, by node type key.</summary>
    public static FrozenDictionary<string, Type> Discover(Assembly assembly) =>
        assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsClass: true } && typeof(SettingsEditorBase).IsAssignableFrom(t))
            .Select(t => (Editor: t, For: t.GetCustomAttribute<NodeSettingsEditorAttribute>()?.NodeType.GetCustomAttribute<NodeTypeAttribute>()))
            .Where(x => x.For is not null)
            .ToFrozenDictionary(x => x.For!.Key, x => x.Editor, StringComparer.Ordinal);
}
