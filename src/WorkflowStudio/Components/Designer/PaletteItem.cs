using WorkflowEngine.Nodes;

namespace WorkflowStudio.Components.Designer;

/// <summary>A palette group (a <see cref="NodeTypeAttribute.Category"/>) and its node types, in display order.</summary>
public sealed record PaletteGroup(string Category, IReadOnlyList<NodeTypeAttribute> Items)
{
    private static readonly string[] KeyOrder = ["start", "clean", "retrieve", "template", "llm", "cache", "answer"];

    public static IReadOnlyList<PaletteGroup> From(NodeRegistry registry) =>
        [.. registry.All.Select(d => d.Metadata)
            .GroupBy(m => m.Category, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => NodeTypeStyle.CategoryRank(g.Key)).ThenBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new PaletteGroup(g.Key, [.. g.OrderBy(Rank).ThenBy(m => m.DisplayName, StringComparer.OrdinalIgnoreCase)]))];

    private static int Rank(NodeTypeAttribute m)
    {
        var i = Array.IndexOf(KeyOrder, m.Key);
        return i < 0 ? KeyOrder.Length : i;
    }
}
