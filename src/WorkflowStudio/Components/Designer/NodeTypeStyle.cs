namespace WorkflowStudio.Components.Designer;

/// <summary>The order of the palette groups (a node type's own colour, icon and place in its group are on its <see cref="WorkflowEngine.Nodes.NodeTypeAttribute"/>).</summary>
public static class NodeTypeStyle
{
    /// <summary>Order of the palette groups; unknown categories follow alphabetically.</summary>
    public static IReadOnlyList<string> CategoryOrder { get; } = ["Input", "Text", "Knowledge", "AI", "Logic", "Tools", "Cache", "Output"];

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
