using System.Collections.Immutable;
using Blazor.Diagrams.Core;
using Blazor.Diagrams.Core.Anchors;
using Blazor.Diagrams.Core.Geometry;
using Blazor.Diagrams.Core.Models.Base;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowStudio.Components.Designer;

/// <summary>
/// The one bridge between the engine's <see cref="WorkflowGraph"/> and the canvas: nodes, ports, links (with their
/// fromPort/toPort) and layout positions. The graph stays the source of truth; <see cref="Sync"/> makes the diagram show it
/// (incrementally, so positions, selection and widgets survive an edit), and <see cref="ReadGraph"/>/<see cref="ToEdge"/>
/// read back what the user did on the canvas.
/// </summary>
public sealed class DiagramMapper(NodeRegistry registry)
{
    public const double ColumnWidth = 280;
    public const double RowHeight = 130;
    public const double Margin = 40;

    /// <summary>Resolves knowledge-base ids to names for node summaries, when a knowledge service is available.</summary>
    public Func<string, string?>? KnowledgeBaseName { get; set; }

    public static string EdgeKey(Edge e) => $"{e.From}|{e.FromPort}|{e.To}|{e.ToPort}";

    public static string LinkId(Edge e) => "link:" + EdgeKey(e);

    /// <summary>Makes <paramref name="diagram"/> show <paramref name="graph"/>: adds, updates and removes node models and links.
    /// <paramref name="problems"/> mark the nodes they concern.</summary>
    public void Sync(Diagram diagram, WorkflowGraph graph, IReadOnlyList<ValidationProblem>? problems = null)
    {
        var positions = PositionsFor(graph);
        var problemsByNode = (problems ?? []).Where(p => p.NodeId is not null)
            .GroupBy(p => p.NodeId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(p => p.Message)], StringComparer.Ordinal);

        diagram.Batch(() =>
        {
            var wanted = graph.Nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var stale in diagram.Nodes.Where(n => n is not WorkflowNodeModel m || !wanted.Contains(m.NodeId)).ToList())
            {
                diagram.Nodes.Remove(stale);
            }

            var models = diagram.Nodes.OfType<WorkflowNodeModel>().ToDictionary(m => m.NodeId, StringComparer.Ordinal);
            foreach (var node in graph.Nodes)
            {
                var position = positions[node.Id];
                var outputs = OutputPortNames(node);
                // A node whose outputs changed (a type whose ports follow its settings) gets a new card: its links are
                // drawn again below from the graph's edges.
                if (!models.TryGetValue(node.Id, out var model) || model.NodeType != node.Type || !model.OutputPortNames.SequenceEqual(outputs))
                {
                    if (model is not null)
                    {
                        diagram.Nodes.Remove(model);
                    }
                    model = CreateNode(node, position, outputs);
                    Describe(model, node, problemsByNode.GetValueOrDefault(node.Id) ?? []);
                    models[node.Id] = diagram.Nodes.Add(model);
                    continue;
                }
                if (!model.Position.X.Equals(position.X) || !model.Position.Y.Equals(position.Y))
                {
                    model.SetPosition(position.X, position.Y);
                }
                if (Describe(model, node, problemsByNode.GetValueOrDefault(node.Id) ?? []))
                {
                    model.Refresh();
                }
            }

            SyncLinks(diagram, graph, models);
        });
    }

    /// <summary>Reads the graph back from the diagram: <paramref name="source"/>'s node definitions for the nodes on the canvas
    /// (in the source's order), the links' edges, and every node's position as layout. Edges the canvas cannot draw (an unknown
    /// port, a missing node) are kept as they were, so validation can still report them.</summary>
    public WorkflowGraph ReadGraph(Diagram diagram, WorkflowGraph source)
    {
        var models = diagram.Nodes.OfType<WorkflowNodeModel>().ToDictionary(m => m.NodeId, StringComparer.Ordinal);
        var drawn = diagram.Links.Select(ToEdge).OfType<Edge>().ToList();
        var drawnKeys = drawn.Select(EdgeKey).ToHashSet(StringComparer.Ordinal);
        var edges = ImmutableArray.CreateBuilder<Edge>();
        foreach (var edge in source.Edges)
        {
            if (drawnKeys.Contains(EdgeKey(edge)) || !IsDrawable(edge, models))
            {
                edges.Add(edge);
            }
        }
        var sourceKeys = source.Edges.Select(EdgeKey).ToHashSet(StringComparer.Ordinal);
        edges.AddRange(drawn.Where(e => !sourceKeys.Contains(EdgeKey(e))));

        return source with
        {
            Nodes = [.. source.Nodes.Where(n => models.ContainsKey(n.Id))],
            Edges = edges.ToImmutable(),
            Layout = models.Values.ToImmutableDictionary(m => m.NodeId, m => new NodePosition(m.Position.X, m.Position.Y), StringComparer.Ordinal),
        };
    }

    /// <summary>The graph edge a link stands for, oriented output → input; null while it is not attached port to port.</summary>
    public static Edge? ToEdge(BaseLinkModel link)
    {
        if (link is WorkflowLinkModel { Edge: { } edge })
        {
            return edge;
        }
        if (link.Source is not SinglePortAnchor { Port: WorkflowPortModel a } || link.Target is not SinglePortAnchor { Port: WorkflowPortModel b })
        {
            return null;
        }
        if (a.IsInput == b.IsInput)
        {
            return null;
        }
        var (output, input) = a.IsInput ? (b, a) : (a, b);
        return new Edge(output.NodeId, input.NodeId, output.PortName, input.PortName);
    }

    /// <summary>Current positions of the nodes on the canvas.</summary>
    public static IReadOnlyDictionary<string, NodePosition> ReadPositions(Diagram diagram) =>
        diagram.Nodes.OfType<WorkflowNodeModel>().ToDictionary(m => m.NodeId, m => new NodePosition(m.Position.X, m.Position.Y), StringComparer.Ordinal);

    /// <summary>Every node's position: its layout entry, or a layered left-to-right placement for nodes without one.</summary>
    public static IReadOnlyDictionary<string, NodePosition> PositionsFor(WorkflowGraph graph)
    {
        var result = new Dictionary<string, NodePosition>(StringComparer.Ordinal);
        var missing = new List<NodeDefinition>();
        foreach (var node in graph.Nodes)
        {
            if (graph.Layout.TryGetValue(node.Id, out var p))
            {
                result[node.Id] = p;
            }
            else
            {
                missing.Add(node);
            }
        }
        if (missing.Count == 0)
        {
            return result;
        }
        var depth = Depths(graph);
        var rows = new Dictionary<double, int>();
        foreach (var node in missing)
        {
            var x = Margin + depth.GetValueOrDefault(node.Id) * ColumnWidth;
            var row = rows.GetValueOrDefault(x);
            // Step down past anything already placed in this column.
            double y;
            do
            {
                y = Margin + row * RowHeight;
                row++;
            }
            while (result.Values.Any(p => Math.Abs(p.X - x) < ColumnWidth / 2 && Math.Abs(p.Y - y) < RowHeight / 2));
            rows[x] = row;
            result[node.Id] = new NodePosition(x, y);
        }
        return result;
    }

    private static Dictionary<string, int> Depths(WorkflowGraph graph)
    {
        // Longest path from a source node; cycles (reported by validation) are cut by the visit limit.
        var depth = graph.Nodes.ToDictionary(n => n.Id, _ => 0, StringComparer.Ordinal);
        for (var round = 0; round < graph.Nodes.Length; round++)
        {
            var changed = false;
            foreach (var e in graph.Edges)
            {
                if (depth.TryGetValue(e.From, out var d) && depth.TryGetValue(e.To, out var t) && t < d + 1)
                {
                    depth[e.To] = d + 1;
                    changed = true;
                }
            }
            if (!changed)
            {
                break;
            }
        }
        return depth;
    }

    /// <summary>The node's output ports as the card draws them: its descriptor's named ports for its settings, one unnamed
    /// output (null) when it has none, nothing when its type has no output.</summary>
    private string?[] OutputPortNames(NodeDefinition node)
    {
        var descriptor = registry.Find(node.Type);
        if (descriptor is { Metadata.HasOutput: false })
        {
            return [];
        }
        var named = descriptor?.OutputPortsOf(node) ?? [];
        return named.Count > 0 ? [.. named] : [null];
    }

    private WorkflowNodeModel CreateNode(NodeDefinition node, NodePosition position, string?[] outputs)
    {
        var model = new WorkflowNodeModel(node.Id, node.Type, new Point(position.X, position.Y), outputs.Length);
        if (registry.Find(node.Type)?.Metadata.HasInput ?? true)
        {
            model.AddPort(new WorkflowPortModel(model, isInput: true, portName: null, index: 0, count: 1));
        }
        for (var i = 0; i < outputs.Length; i++)
        {
            model.AddPort(new WorkflowPortModel(model, isInput: false, outputs[i], i, outputs.Length));
        }
        return model;
    }

    /// <returns>True when something the card shows changed.</returns>
    private bool Describe(WorkflowNodeModel model, NodeDefinition node, IReadOnlyList<string> problems)
    {
        var meta = registry.Find(node.Type)?.Metadata;
        var typeName = meta?.DisplayName ?? node.Type;
        var icon = meta?.Icon ?? "HelpOutline";
        var color = meta?.Color ?? new NodeTypeAttribute(node.Type).Color;
        var summary = registry.Find(node.Type)?.Summarize(node, new NodeSummaryContext(KnowledgeBaseName)) ?? "";
        var badge = node.Cache.Enabled ? TtlText.Format(node.Cache.TtlSeconds) : null;
        var changed = model.Title != node.Title || model.TypeName != typeName || model.IconName != icon || model.Color != color || model.Summary != summary
            || model.CacheBadge != badge || !model.Problems.SequenceEqual(problems);
        model.Title = node.Title;
        model.TypeName = typeName;
        model.IconName = icon;
        model.Color = color;
        model.Summary = summary;
        model.CacheBadge = badge;
        model.Problems = problems;
        return changed;
    }

    private static bool IsDrawable(Edge edge, IReadOnlyDictionary<string, WorkflowNodeModel> models) =>
        models.TryGetValue(edge.From, out var from) && models.TryGetValue(edge.To, out var to)
        && from.OutputPort(edge.FromPort) is not null && to.InputPort is { } input && input.PortName == edge.ToPort;

    private static void SyncLinks(Diagram diagram, WorkflowGraph graph, Dictionary<string, WorkflowNodeModel> models)
    {
        var wanted = graph.Edges.Where(e => IsDrawable(e, models)).GroupBy(EdgeKey, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var link in diagram.Links.ToList())
        {
            var edge = ToEdge(link);
            if (edge is null)
            {
                continue; // a link the user is still dragging
            }
            var key = EdgeKey(edge);
            var keep = wanted.ContainsKey(key) && !present.Contains(key) && link is WorkflowLinkModel { Edge: not null } && !IsReversed(link);
            if (keep)
            {
                present.Add(key);
            }
            else
            {
                diagram.Links.Remove(link);
            }
        }
        foreach (var (key, edge) in wanted)
        {
            if (present.Contains(key))
            {
                continue;
            }
            var from = models[edge.From].OutputPort(edge.FromPort)!;
            var to = models[edge.To].InputPort!;
            diagram.Links.Add(new WorkflowLinkModel(edge, from, to));
        }
    }

    private static bool IsReversed(BaseLinkModel link) => link.Source is SinglePortAnchor { Port: WorkflowPortModel { IsInput: true } };
}
