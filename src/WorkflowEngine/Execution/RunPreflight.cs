using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Execution;

/// <summary>The checks a graph must pass before it runs: the structural rules the runner relies on (known node types, one start,
/// an answer, edges between existing nodes, no loops) and each node's own settings checks. The studio shows the complete
/// validation (unreachable nodes, unknown template variables, TTLs) before saving; this keeps a bad document from running.</summary>
internal static class RunPreflight
{
    public static IReadOnlyList<ValidationProblem> Check(WorkflowGraph graph, NodeFactory nodes)
    {
        var problems = new List<ValidationProblem>();
        if (graph.SchemaVersion != WorkflowGraph.CurrentSchemaVersion)
        {
            problems.Add(new("schema-version", $"This workflow uses format version {graph.SchemaVersion}; this studio runs version {WorkflowGraph.CurrentSchemaVersion}."));
        }
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            if (!ids.Add(node.Id))
            {
                problems.Add(new("duplicate-id", $"Two steps have the id '{node.Id}'; ids must be unique.", node.Id));
            }
            if (nodes.Find(node.Type) is not { } type)
            {
                problems.Add(new("unknown-type", $"'{node.Title}' has an unknown step type '{node.Type}'.", node.Id));
                continue;
            }
            IEnumerable<string> settingsProblems;
            try
            {
                settingsProblems = type.Node.ValidateSettings(node).ToList();
            }
            catch (System.Text.Json.JsonException ex)
            {
                settingsProblems = [$"The settings do not fit this step type: {ex.Message.Split(" Path:")[0]}"];
            }
            problems.AddRange(settingsProblems.Select(p => new ValidationProblem("settings", $"'{node.Title}': {p}", node.Id)));
        }
        var starts = graph.Nodes.Count(n => n.Type == "start");
        if (starts != 1)
        {
            problems.Add(new("start", starts == 0 ? "The workflow has no start step." : $"The workflow has {starts} start steps; it needs exactly one."));
        }
        if (!graph.Nodes.Any(n => n.Type == "answer"))
        {
            problems.Add(new("answer", "The workflow has no answer step, so it would never reply."));
        }
        foreach (var edge in graph.Edges)
        {
            foreach (var end in new[] { edge.From, edge.To }.Where(id => !ids.Contains(id)))
            {
                problems.Add(new("dangling-edge", $"A connection {edge.From} → {edge.To} refers to a step '{end}' that does not exist."));
            }
        }
        foreach (var cycle in ExecutionPlan.FindCycles(graph))
        {
            problems.Add(new("cycle", $"The workflow has a loop: {WorkflowCycleException.DescribeLoop(cycle)}. A workflow must flow one way, from start to answer.", cycle[0]));
        }
        return problems;
    }
}
