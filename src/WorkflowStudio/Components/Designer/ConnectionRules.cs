using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowStudio.Components.Designer;

/// <summary>Decides whether a connection the user draws may be added, with a plain-language hint when not.
/// Checked before the edge reaches the graph, so the canvas never holds an edge the editor would refuse.</summary>
public sealed class ConnectionRules(NodeRegistry registry)
{
    /// <returns>Null when the edge may be added, otherwise why not.</returns>
    public string? Check(WorkflowGraph graph, Edge edge)
    {
        var from = graph.FindNode(edge.From);
        var to = graph.FindNode(edge.To);
        if (from is null || to is null)
        {
            return "Both ends of a connection must be steps on the canvas.";
        }
        if (edge.From == edge.To)
        {
            return "A step cannot connect to itself.";
        }
        var fromDescriptor = registry.Find(from.Type);
        var fromType = fromDescriptor?.Metadata;
        var toType = registry.Find(to.Type)?.Metadata;
        if (toType is { HasInput: false })
        {
            return $"Nothing can connect into “{to.Title}”: the start step is where every run begins.";
        }
        if (fromType is { HasOutput: false })
        {
            return $"“{from.Title}” is the end of the workflow; it has no output to connect.";
        }
        var outputs = fromDescriptor?.OutputPortsOf(from) ?? [];
        if (outputs.Count > 0 && (edge.FromPort is null || !outputs.Contains(edge.FromPort, StringComparer.Ordinal)))
        {
            return $"Connect from one of “{from.Title}”'s outputs: {string.Join(" or ", outputs)}.";
        }
        if (graph.Edges.Any(e => e.From == edge.From && e.To == edge.To && e.FromPort == edge.FromPort && e.ToPort == edge.ToPort))
        {
            return $"“{from.Title}” is already connected to “{to.Title}”.";
        }
        if (Reaches(graph, edge.To, edge.From))
        {
            return $"That connection would make a loop: “{to.Title}” already leads to “{from.Title}”.";
        }
        return null;
    }

    private static bool Reaches(WorkflowGraph graph, string from, string target)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(from);
        while (stack.Count > 0)
        {
            var id = stack.Pop();
            if (id == target)
            {
                return true;
            }
            if (!seen.Add(id))
            {
                continue;
            }
            foreach (var e in graph.Edges)
            {
                if (e.From == id)
                {
                    stack.Push(e.To);
                }
            }
        }
        return false;
    }
}
