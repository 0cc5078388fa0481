using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowStudio.Components.Inspector;

/// <summary>A <c>{{ nodeId.output }}</c> variable a node's templates may use.</summary>
public sealed record TemplateVariable(string NodeId, string NodeTitle, string Output)
{
    public string Expression => $"{{{{ {NodeId}.{Output} }}}}";
}

/// <summary>Lists the variables available to a node: the outputs of every node upstream of it (nearest first).</summary>
public static class UpstreamVariables
{
    public static IReadOnlyList<TemplateVariable> For(WorkflowGraph graph, string nodeId, NodeRegistry registry)
    {
        var result = new List<TemplateVariable>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { nodeId };
        var queue = new Queue<string>();
        queue.Enqueue(nodeId);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            foreach (var edge in graph.Edges.Where(e => e.To == current))
            {
                if (!seen.Add(edge.From) || graph.FindNode(edge.From) is not { } upstream)
                {
                    continue;
                }
                foreach (var output in registry.Find(upstream.Type)?.Metadata.Outputs ?? [])
                {
                    result.Add(new TemplateVariable(upstream.Id, upstream.Title, output));
                }
                queue.Enqueue(edge.From);
            }
        }
        return result;
    }
}
