using System.Collections.Concurrent;
using System.Reflection;
using MudBlazor;

namespace WorkflowStudio.Components.Designer;

/// <summary>Maps the Material icon names in <c>[NodeType(Icon = ...)]</c> to MudBlazor's SVG icons.</summary>
public static class NodeIcons
{
    // Shared by every circuit on purpose: keys are the icon names node types declare in code (a handful), values MudBlazor's
    // constant SVG strings, so nothing a user types or owns lands here and it cannot grow beyond the registered types.
    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal); // shared by design (see above)

    public static string Resolve(string? name) =>
        string.IsNullOrWhiteSpace(name) ? Icons.Material.Filled.Circle : Cache.GetOrAdd(name, Lookup);

    private static string Lookup(string name) =>
        typeof(Icons.Material.Filled).GetField(name, BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string
        ?? typeof(Icons.Material.Outlined).GetField(name, BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string
        ?? Icons.Material.Filled.Circle;
}
