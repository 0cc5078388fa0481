using WorkflowEngine.Execution;
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
    public static IReadOnlyList<TemplateVariable> For(CompiledWorkflow workflow, string nodeId, NodeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var result = new List<TemplateVariable>();
        foreach (var upstream in workflow.Upstream(nodeId))
        {
            foreach (var output in registry.Find(upstream.Type)?.Metadata.Outputs ?? [])
            {
                result.Add(new TemplateVariable(upstream.Id, upstream.Title, output));
            }
        }
        return result;
    }
}
