using System.Collections.Frozen;

namespace WorkflowStudio.Components.Designer;

/// <summary>The one place that gives each node type its colour, so the palette, canvas and inspector agree.</summary>
public static class NodeTypeStyle
{
    // Read-only lookup table shared by every circuit: frozen so no user state can ever land in it.
    private static readonly FrozenDictionary<string, string> Colors = new Dictionary<string, string>
    {
        ["start"] = "#475569",    // slate
        ["clean"] = "#0d9488",    // teal
        ["retrieve"] = "#4f46e5", // indigo
        ["template"] = "#d97706", // amber
        ["llm"] = "#7c3aed",      // violet
        ["cache"] = "#16a34a",    // green
        ["answer"] = "#2563eb",   // blue
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Order of the palette groups; unknown categories follow alphabetically.</summary>
    public static IReadOnlyList<string> CategoryOrder { get; } = ["Input", "Text", "Knowledge", "AI", "Cache", "Output"];

    public static string ColorOf(string nodeType) => Colors.GetValueOrDefault(nodeType, "#64748b");

    public static int CategoryRank(string category)
    {
        var i = -1;
        for (var k = 0; k < CategoryOrder.Count; k++)
        {
            if (string.Equals(CategoryOrder[k], category, StringComparison.OrdinalIgnoreCase))
            {
                i = k;
                break;
            }
        }
        return i < 0 ? CategoryOrder.Count : i;
    }
}
