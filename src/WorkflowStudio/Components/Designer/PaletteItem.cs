using WorkflowEngine.Nodes;

namespace WorkflowStudio.Components.Designer;

/// <summary>A palette group (a <see cref="NodeTypeAttribute.Category"/>) and its node types, in display order.</summary>
public sealed record PaletteGroup(string Category, IReadOnlyList<NodeTypeAttribute> Items)
{
    public static IReadOnlyList<PaletteGroup> From(NodeRegistry registry) =>
        [.. registry.All.Select(d => d.Metadata)
            .GroupBy(m => m.Category, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => NodeTypeStyle.CategoryRank(g.Key)).ThenBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new PaletteGroup(g.Key, [.. g.OrderBy(m => m.PaletteOrder).ThenBy(m => m.DisplayName, StringComparer.OrdinalIgnoreCase)]))];
}
