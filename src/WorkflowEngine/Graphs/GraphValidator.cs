using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Graphs;

/// <summary>
/// Checks a workflow and returns every problem at once, each with a plain-language message, the node it concerns and
/// the JSON path of the offending part of the document. Never throws for a bad graph: a graph with no problems can be run
/// (<see cref="ExecutionPlan.Create"/> will succeed on it).
/// </summary>
/// <remarks>Node types are looked up in the <see cref="NodeRegistry"/>; their own checks (<see cref="Node.ValidateSettings"/>,
/// <see cref="Node.GetReferences"/>) run on instances made from <paramref name="services"/> when given, so node types may
/// take constructor dependencies. Those two methods must only read the node's settings.</remarks>
public sealed partial class GraphValidator(NodeRegistry registry, IServiceProvider? services = null)
{
    /// <summary>Names a node type's single input port may carry in <c>toPort</c> besides none at all.</summary>
    private static readonly string[] InputPortNames = ["", "in"];

    private readonly ConcurrentDictionary<Type, Node> _nodes = new();

    /// <summary>Reads a document and checks it: the reading problems (with JSON paths) and, when it could be read, the graph's.</summary>
    public IReadOnlyList<ValidationProblem> Validate(string json)
    {
        var parsed = WorkflowJson.Parse(json);
        return parsed.Graph is null ? parsed.Problems : [.. parsed.Problems, .. Validate(parsed.Graph)];
    }

    /// <summary>Every problem with the graph, whole-graph problems first, then by node and edge in document order.</summary>
    public IReadOnlyList<ValidationProblem> Validate(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var problems = new List<ValidationProblem>();
        var nodes = IndexNodes(graph, problems);
        CheckSchemaVersion(graph, problems);
        CheckStartAndAnswer(graph, problems);
        var links = CheckEdges(graph, nodes, problems);
        CheckCycles(graph, nodes, problems);
        CheckReachability(graph, nodes, links, problems);
        CheckNodes(graph, nodes, links, problems);
        return problems
            .OrderBy(p => p.NodeId is null && !(p.Path?.StartsWith("$.edges", StringComparison.Ordinal) ?? false) ? 0 : 1)
            .ThenBy(p => Rank(graph, p))
            .ToList();
    }

    /// <summary>True when <see cref="Validate(WorkflowGraph)"/> finds nothing.</summary>
    public bool IsValid(WorkflowGraph graph) => Validate(graph).Count == 0;

    private static int Rank(WorkflowGraph graph, ValidationProblem problem)
    {
        // Keep the studio's list stable: problems about earlier nodes first, edges after nodes.
        if (problem.Path is { } path && path.StartsWith("$.edges[", StringComparison.Ordinal))
        {
            return graph.Nodes.Length + ParseIndex(path, "$.edges[");
        }
        if (problem.Path is { } nodePath && nodePath.StartsWith("$.nodes[", StringComparison.Ordinal))
        {
            return ParseIndex(nodePath, "$.nodes[");
        }
        return 0;
    }

    private static int ParseIndex(string path, string prefix)
    {
        var end = path.IndexOf(']', prefix.Length);
        return end > 0 && int.TryParse(path.AsSpan(prefix.Length, end - prefix.Length), out var i) ? i : 0;
    }

    /// <summary>First definition of each id with its document index; later ones are reported as duplicates.</summary>
    private static Dictionary<string, (NodeDefinition Node, int Index)> IndexNodes(WorkflowGraph graph, List<ValidationProblem> problems)
    {
        var nodes = new Dictionary<string, (NodeDefinition, int)>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Nodes.Length; i++)
        {
            var node = graph.Nodes[i];
            if (!nodes.TryAdd(node.Id, (node, i)))
            {
                problems.Add(new(ProblemCodes.DuplicateNodeId,
                    $"Nodes {nodes[node.Id].Item2 + 1} and {i + 1} in the list share the id '{node.Id}'. Every node needs its own id; rename one of them.",
                    node.Id, NodePath(i, "id")));
            }
        }
        return nodes;
    }

    private static void CheckSchemaVersion(WorkflowGraph graph, List<ValidationProblem> problems)
    {
        if (graph.SchemaVersion == WorkflowGraph.CurrentSchemaVersion)
        {
            return;
        }
        var message = graph.SchemaVersion <= 0
            ? $"The document has no schemaVersion. This studio reads workflow documents of schemaVersion {WorkflowGraph.CurrentSchemaVersion}; add \"schemaVersion\": {WorkflowGraph.CurrentSchemaVersion}."
            : $"The document is schemaVersion {graph.SchemaVersion}, but this studio reads only schemaVersion {WorkflowGraph.CurrentSchemaVersion}. It may come from a newer version of the studio.";
        problems.Add(new(ProblemCodes.UnsupportedSchemaVersion, message, Path: "$.schemaVersion"));
    }

    /// <summary>A run begins at the step without an input port.</summary>
    private bool IsStart(NodeDefinition node) => registry.Find(node.Type)?.Metadata.HasInput == false;

    private void CheckStartAndAnswer(WorkflowGraph graph, List<ValidationProblem> problems)
    {
        var starts = graph.Nodes.Select((node, index) => (Node: node, Index: index)).Where(n => IsStart(n.Node)).ToList();
        if (starts.Count == 0)
        {
            problems.Add(new(ProblemCodes.NoStartNode,
                "The workflow has no start node. Add a Start node: it is where the user's question enters the workflow.", Path: "$.nodes"));
        }
        else if (starts.Count > 1)
        {
            foreach (var (extra, index) in starts.Skip(1))
            {
                problems.Add(new(ProblemCodes.SeveralStartNodes,
                    $"The workflow has {starts.Count} start nodes ({string.Join(", ", starts.Select(s => $"'{s.Node.Id}'"))}); it needs exactly one. Remove {Describe(extra)}.",
                    extra.Id, NodePath(index)));
            }
        }
        if (!graph.Nodes.Any(n => registry.Find(n.Type)?.Metadata.EndsRunWithAnswer == true))
        {
            problems.Add(new(ProblemCodes.NoAnswerNode,
                "The workflow has no answer node. Add an Answer node at the end: its text is what the user receives.", Path: "$.nodes"));
        }
    }

    /// <summary>Reports edges to or from missing nodes and unknown ports; returns the edges between existing nodes.</summary>
    private List<Edge> CheckEdges(WorkflowGraph graph, Dictionary<string, (NodeDefinition Node, int Index)> nodes, List<ValidationProblem> problems)
    {
        var links = new List<Edge>();
        for (var i = 0; i < graph.Edges.Length; i++)
        {
            var edge = graph.Edges[i];
            var path = $"$.edges[{i}]";
            var hasFrom = nodes.TryGetValue(edge.From, out var from);
            var hasTo = nodes.TryGetValue(edge.To, out var to);
            if (!hasFrom || !hasTo)
            {
                var missing = !hasFrom && !hasTo
                    ? $"neither '{edge.From}' nor '{edge.To}' exists"
                    : !hasFrom ? $"there is no node '{edge.From}'" : $"there is no node '{edge.To}'";
                problems.Add(new(ProblemCodes.MissingNode,
                    $"A connection goes from '{edge.From}' to '{edge.To}', but {missing}. Delete the connection or add the node.",
                    hasFrom ? edge.From : hasTo ? edge.To : null, path));
                continue;
            }
            links.Add(edge);
            CheckFromPort(edge, from.Node, path, problems);
            CheckToPort(edge, to.Node, path, problems);
        }
        return links;
    }

    private void CheckFromPort(Edge edge, NodeDefinition from, string path, List<ValidationProblem> problems)
    {
        if (registry.Find(from.Type) is not { } descriptor)
        {
            return; // reported once as an unknown node type
        }
        var type = descriptor.Metadata;
        if (!type.HasOutput)
        {
            problems.Add(new(ProblemCodes.UnknownPort,
                $"A connection leaves {Describe(from)}, but a {type.DisplayName} node has no output: it ends the workflow. Delete the connection to '{edge.To}'.",
                from.Id, path));
            return;
        }
        if (OutputPortsOf(descriptor, from) is not { } outputs)
        {
            return; // its settings cannot be read, so neither can its ports: reported with the node
        }
        if (outputs.Count == 0)
        {
            if (!string.IsNullOrEmpty(edge.FromPort))
            {
                problems.Add(new(ProblemCodes.UnknownPort,
                    $"A connection leaves {Describe(from)} from a port called '{edge.FromPort}', but a {type.DisplayName} node has only one output. Remove \"fromPort\".",
                    from.Id, path + ".fromPort"));
            }
            return;
        }
        var ports = string.Join(" or ", outputs.Select(p => $"'{p}'"));
        if (string.IsNullOrEmpty(edge.FromPort))
        {
            problems.Add(new(ProblemCodes.PortRequired,
                $"The connection from {Describe(from)} to '{edge.To}' must say which output it leaves from: {ports}.",
                from.Id, path + ".fromPort"));
        }
        else if (!outputs.Contains(edge.FromPort, StringComparer.Ordinal))
        {
            problems.Add(new(ProblemCodes.UnknownPort, descriptor.HasSettingsPorts
                    // Its outputs follow its settings: the usual cause is a renamed or removed output.
                    ? $"A connection leaves {Describe(from)} from an output called '{edge.FromPort}', which it no longer has: its outputs are now {ports}. Connect '{edge.To}' to one of them, or delete the connection."
                    : $"A connection leaves {Describe(from)} from a port called '{edge.FromPort}', but its outputs are {ports}.",
                from.Id, path + ".fromPort"));
        }
    }

    /// <summary>The node's output ports; null when they follow its settings and those cannot be read.</summary>
    private IReadOnlyList<string>? OutputPortsOf(NodeDescriptor descriptor, NodeDefinition node)
    {
        if (!descriptor.HasSettingsPorts)
        {
            return descriptor.OutputPortsOf(node);
        }
        try
        {
            // The node type's own parse, remembered per definition, so the settings are read once for all checks.
            return NodeFor(descriptor) is { } implementation ? descriptor.OutputPortsOf(implementation.ReadConfig(node)) : null;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            return null;
        }
    }

    private void CheckToPort(Edge edge, NodeDefinition to, string path, List<ValidationProblem> problems)
    {
        if (registry.Find(to.Type)?.Metadata is not { } type)
        {
            return;
        }
        if (!type.HasInput)
        {
            problems.Add(new(ProblemCodes.UnknownPort,
                $"A connection goes into {Describe(to)}, but a {type.DisplayName} node has no input: the workflow begins there. Delete the connection from '{edge.From}'.",
                to.Id, path));
        }
        else if (!InputPortNames.Contains(edge.ToPort ?? "", StringComparer.Ordinal))
        {
            problems.Add(new(ProblemCodes.UnknownPort,
                $"A connection goes into {Describe(to)} at a port called '{edge.ToPort}', but a {type.DisplayName} node has one input. Remove \"toPort\".",
                to.Id, path + ".toPort"));
        }
    }

    private static void CheckCycles(WorkflowGraph graph, Dictionary<string, (NodeDefinition Node, int Index)> nodes, List<ValidationProblem> problems)
    {
        foreach (var cycle in ExecutionPlan.FindCycles(graph))
        {
            var message = cycle.Count == 1
                ? $"{Capitalize(Describe(nodes[cycle[0]].Node))} is connected to itself. A workflow must flow one way, from start to answer; delete that connection."
                : $"These steps form a loop: {string.Join(" → ", cycle.Append(cycle[0]).Select(id => $"'{Title(nodes[id].Node)}'"))}. A workflow must flow one way, from start to answer; remove one of these connections.";
            problems.Add(new(ProblemCodes.Cycle, message, cycle[0], NodePath(nodes[cycle[0]].Index)));
        }
    }

    private void CheckReachability(WorkflowGraph graph, Dictionary<string, (NodeDefinition Node, int Index)> nodes, List<Edge> links,
        List<ValidationProblem> problems)
    {
        var starts = nodes.Values.Where(n => IsStart(n.Node)).Select(n => n.Node.Id).ToList();
        if (starts.Count == 0)
        {
            return; // everything would be unreachable; "no start node" says it better
        }
        var reached = Reach(starts, links.ToLookup(e => e.From, e => e.To, StringComparer.Ordinal));
        foreach (var (node, index) in nodes.Values.OrderBy(n => n.Index))
        {
            if (!reached.Contains(node.Id))
            {
                problems.Add(new(ProblemCodes.UnreachableNode,
                    $"{Capitalize(Describe(node))} can never run: no path of connections leads to it from the start node. Connect it or delete it.",
                    node.Id, NodePath(index)));
            }
        }
    }

    private void CheckNodes(WorkflowGraph graph, Dictionary<string, (NodeDefinition Node, int Index)> nodes, List<Edge> links,
        List<ValidationProblem> problems)
    {
        var parents = links.ToLookup(e => e.To, e => e.From, StringComparer.Ordinal);
        var known = string.Join(", ", registry.All.Select(d => d.Key).Order(StringComparer.Ordinal));
        for (var i = 0; i < graph.Nodes.Length; i++)
        {
            var node = graph.Nodes[i];
            if (nodes[node.Id].Index != i)
            {
                continue; // a duplicate id, already reported; its settings are not what the engine would run
            }
            CheckTtl(node, i, problems);
            if (registry.Find(node.Type) is not { } descriptor)
            {
                problems.Add(new(ProblemCodes.UnknownNodeType,
                    $"{Capitalize(Describe(node))} has the type '{node.Type}', which this studio does not know. Known types: {known}.",
                    node.Id, NodePath(i, "type")));
                continue;
            }
            if (NodeFor(descriptor) is not { } implementation)
            {
                continue;
            }
            foreach (var message in Run(node, i, problems, () => implementation.ValidateSettings(node).ToList()) ?? [])
            {
                problems.Add(new(ProblemCodes.InvalidSetting, $"{Capitalize(Describe(node))}: {message}", node.Id, NodePath(i, "settings")));
            }
            var references = Run(node, i, problems, () => implementation.GetReferences(node).ToList(), reportJson: false) ?? [];
            if (references.Count > 0)
            {
                var ancestors = Reach([node.Id], parents);
                ancestors.Remove(node.Id);
                foreach (var reference in references.Distinct())
                {
                    CheckReference(node, i, reference, nodes, ancestors, problems);
                }
            }
        }
    }

    private void CheckReference(NodeDefinition node, int index, VariableReference reference,
        Dictionary<string, (NodeDefinition Node, int Index)> nodes, HashSet<string> ancestors, List<ValidationProblem> problems)
    {
        var variable = reference.Output.Length == 0 ? $"{{{{ {reference.NodeId} }}}}" : $"{{{{ {reference.NodeId}.{reference.Output} }}}}";
        var where = $"{Capitalize(Describe(node))} uses {variable} in '{reference.Field}'";
        var path = NodePath(index, "settings", reference.Field);
        if (!nodes.TryGetValue(reference.NodeId, out var source))
        {
            problems.Add(new(ProblemCodes.UnknownTemplateNode,
                $"{where}, but there is no node '{reference.NodeId}'. Use the id of a node that runs before it.", node.Id, path));
            return;
        }
        if (!ancestors.Contains(reference.NodeId))
        {
            var why = reference.NodeId == node.Id ? "a node cannot use its own output" : $"{Describe(source.Node)} does not run before it";
            problems.Add(new(ProblemCodes.TemplateNodeNotUpstream,
                $"{where}, but {why}. Only nodes connected upstream of it can provide values.", node.Id, path));
            return;
        }
        // A bare {{ start }} (the whole output object) is fine once the node runs upstream.
        if (reference.Output.Length > 0 && registry.Find(source.Node.Type)?.Metadata is { } sourceType
            && !sourceType.Outputs.Contains(reference.Output, StringComparer.Ordinal))
        {
            var offers = sourceType.Outputs.Length == 0
                ? "it provides no values"
                : $"it provides {string.Join(", ", sourceType.Outputs)}";
            problems.Add(new(ProblemCodes.UnknownTemplateOutput,
                $"{where}, but a {sourceType.DisplayName} node has no output '{reference.Output}'; {offers}.", node.Id, path));
        }
    }

    private static void CheckTtl(NodeDefinition node, int index, List<ValidationProblem> problems)
    {
        if (!node.Cache.Enabled)
        {
            return;
        }
        if (node.Cache.TtlSeconds <= 0)
        {
            problems.Add(new(ProblemCodes.InvalidTtl,
                $"{Capitalize(Describe(node))} caches its results for {node.Cache.TtlSeconds} seconds; the time to live must be at least 1 second. Turn caching off instead if you do not want it.",
                node.Id, NodePath(index, "cache", "ttlSeconds")));
        }
        else if (node.Cache.TtlSeconds > NodeCacheSettings.MaxTtlSeconds)
        {
            problems.Add(new(ProblemCodes.InvalidTtl,
                $"{Capitalize(Describe(node))} caches its results for {node.Cache.TtlSeconds} seconds ({node.Cache.Ttl.TotalDays:0.#} days); the longest allowed is {NodeCacheSettings.MaxTtlSeconds} seconds (7 days).",
                node.Id, NodePath(index, "cache", "ttlSeconds")));
        }
    }

    /// <summary>Runs a node type's own check; settings of the wrong shape become a problem with their path instead of an exception.</summary>
    private static List<T>? Run<T>(NodeDefinition node, int index, List<ValidationProblem> problems, Func<List<T>> check, bool reportJson = true)
    {
        try
        {
            return check();
        }
        catch (JsonException ex)
        {
            // The same bad setting breaks both checks; report it once.
            if (reportJson)
            {
                var setting = ex.Path is { Length: > 1 } p && p.StartsWith('$') ? p[1..] : "";
                problems.Add(new(ProblemCodes.MalformedSettings, DescribeBadSetting(node, setting, ex), node.Id, NodePath(index, "settings") + setting));
            }
            return null;
        }
        catch (Exception ex)
        {
            // A node type's own check failing must not take the studio's Validate button down with a stack trace.
            if (reportJson)
            {
                problems.Add(new(ProblemCodes.MalformedSettings,
                    $"{Capitalize(Describe(node))} has settings that could not be read: {ex.Message}", node.Id, NodePath(index, "settings")));
            }
            return null;
        }
    }

    /// <summary>"Node 'retrieve': the setting 'topK' should be a whole number, but it is the text "three"." — in the words of the
    /// document, not of .NET types.</summary>
    private static string DescribeBadSetting(NodeDefinition node, string setting, JsonException ex)
    {
        var name = setting.TrimStart('.');
        if (name.Length == 0)
        {
            return $"{Capitalize(Describe(node))} has settings that could not be read: {WorkflowJson.FirstSentence(ex.Message)}";
        }
        var target = TargetType().Match(ex.Message) is { Success: true } m ? m.Groups[1].Value : "";
        var expected = target switch
        {
            _ when target.StartsWith("System.Int", StringComparison.Ordinal) || target.StartsWith("System.UInt", StringComparison.Ordinal) => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.String" => "text",
            _ when target.EndsWith("[]", StringComparison.Ordinal) || target.Contains("List`", StringComparison.Ordinal)
                || target.Contains("ImmutableArray`", StringComparison.Ordinal) => "a list",
            _ when target.Contains('+', StringComparison.Ordinal) && target.EndsWith("Mode", StringComparison.Ordinal) => "one of the offered choices",
            _ => "a value of another kind",
        };
        var found = WorkflowJson.DescribeValueAt(node.Settings, setting) is { } actual ? $", but it is {actual}" : "";
        return $"{Capitalize(Describe(node))}: the setting '{name}' should be {expected}{found}.";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"converted to ([^\s.][^\s]*?)\.?(\s|$)")]
    private static partial System.Text.RegularExpressions.Regex TargetType();

    private Node? NodeFor(NodeDescriptor descriptor) =>
        _nodes.GetOrAdd(descriptor.ImplementationType, type =>
        {
            if (services is not null)
            {
                try
                {
                    return (Node)ActivatorUtilities.GetServiceOrCreateInstance(services, type);
                }
                catch (InvalidOperationException)
                {
                    // A dependency is missing from this container; the settings checks do not need it.
                }
            }
            return type.GetConstructor(Type.EmptyTypes) is not null
                ? (Node)Activator.CreateInstance(type)!
                : (Node)RuntimeHelpers.GetUninitializedObject(type);
        });

    private static HashSet<string> Reach(IEnumerable<string> from, ILookup<string, string> next)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(from);
        while (queue.TryDequeue(out var id))
        {
            if (seen.Add(id))
            {
                foreach (var n in next[id])
                {
                    queue.Enqueue(n);
                }
            }
        }
        return seen;
    }

    private static string Describe(NodeDefinition node) =>
        string.IsNullOrWhiteSpace(node.Title) || node.Title == node.Id ? $"node '{node.Id}'" : $"node '{node.Title}' ({node.Id})";

    /// <summary>What the user sees on the node's card: its title, or its id when it has none.</summary>
    private static string Title(NodeDefinition node) => string.IsNullOrWhiteSpace(node.Title) ? node.Id : node.Title;

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string NodePath(int index, params string[] members) =>
        $"$.nodes[{index}]" + string.Concat(members.Select(m => "." + m));
}
