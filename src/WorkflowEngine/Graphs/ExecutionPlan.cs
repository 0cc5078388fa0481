using System.Collections.Frozen;
using System.Collections.Immutable;

namespace WorkflowEngine.Graphs;

/// <summary>
/// The order a graph runs in, with the connections of every node, computed once per graph and safe to share between runs.
/// Build it from a graph that <see cref="GraphValidator"/> accepted: edges to or from missing nodes are ignored here
/// (the validator reports them), a repeated node id keeps its first definition, and a cycle throws
/// <see cref="WorkflowCycleException"/>.
/// </summary>
public sealed class ExecutionPlan
{
    private readonly FrozenDictionary<string, NodeDefinition> _nodes;
    private readonly FrozenDictionary<string, ImmutableArray<Edge>> _incoming;
    private readonly FrozenDictionary<string, ImmutableArray<Edge>> _outgoing;
    private readonly FrozenDictionary<string, int> _position;
    private readonly FrozenDictionary<string, FrozenSet<string>> _ancestors;

    private ExecutionPlan(
        WorkflowGraph graph,
        ImmutableArray<string> order,
        FrozenDictionary<string, NodeDefinition> nodes,
        FrozenDictionary<string, ImmutableArray<Edge>> incoming,
        FrozenDictionary<string, ImmutableArray<Edge>> outgoing)
    {
        Graph = graph;
        Order = order;
        _nodes = nodes;
        _incoming = incoming;
        _outgoing = outgoing;
        _position = order.Select((id, i) => (id, i)).ToFrozenDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        Nodes = [.. order.Select(id => nodes[id])];

        // Ancestor sets in topological order: a node's ancestors are its predecessors plus theirs, already computed.
        var ancestors = new Dictionary<string, FrozenSet<string>>(StringComparer.Ordinal);
        foreach (var id in order)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (var edge in incoming[id])
            {
                set.Add(edge.From);
                set.UnionWith(ancestors[edge.From]);
            }
            ancestors[id] = set.ToFrozenSet(StringComparer.Ordinal);
        }
        _ancestors = ancestors.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public WorkflowGraph Graph { get; }

    /// <summary>Node ids in a topological order: every node comes after all nodes with an edge into it. Ties keep the
    /// document's node order, so the same graph always gives the same order.</summary>
    public IReadOnlyList<string> Order { get; }

    /// <summary>The nodes in <see cref="Order"/> (worked out once: the runner walks them on every run).</summary>
    public ImmutableArray<NodeDefinition> Nodes { get; }

    /// <summary>Builds the plan. Throws <see cref="WorkflowCycleException"/> (naming the nodes) when the graph has a cycle.</summary>
    public static ExecutionPlan Create(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (!TryCreate(graph, out var plan, out var cycles))
        {
            throw new WorkflowCycleException(cycles);
        }
        return plan;
    }

    /// <summary>Builds the plan, or returns false with every cycle (each as node ids in loop order) when there is one.</summary>
    public static bool TryCreate(WorkflowGraph graph, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ExecutionPlan? plan,
        out IReadOnlyList<IReadOnlyList<string>> cycles)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var topology = Topology.Of(graph);
        var order = topology.Sort();
        if (order.Length < topology.Ids.Count)
        {
            plan = null;
            cycles = topology.FindCycles();
            return false;
        }
        plan = new ExecutionPlan(graph, order, topology.Nodes,
            topology.Incoming.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToImmutableArray(), StringComparer.Ordinal),
            topology.Outgoing.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToImmutableArray(), StringComparer.Ordinal));
        cycles = [];
        return true;
    }

    /// <summary>Every cycle in the graph, each as node ids in loop order (the first id is not repeated at the end). Empty when acyclic.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> FindCycles(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Topology.Of(graph).FindCycles();
    }

    public bool Contains(string nodeId) => _nodes.ContainsKey(nodeId);

    public NodeDefinition GetNode(string nodeId) =>
        _nodes.TryGetValue(nodeId, out var node) ? node : throw UnknownNode(nodeId);

    /// <summary>The node's index in <see cref="Order"/>.</summary>
    public int PositionOf(string nodeId) => _position.TryGetValue(nodeId, out var i) ? i : throw UnknownNode(nodeId);

    /// <summary>Edges into the node (with their ports), in document order.</summary>
    public IReadOnlyList<Edge> Incoming(string nodeId) => _incoming.TryGetValue(nodeId, out var e) ? e : throw UnknownNode(nodeId);

    /// <summary><see cref="Incoming"/> without boxing the array (the runner asks for every node of every run).</summary>
    internal ImmutableArray<Edge> IncomingEdges(string nodeId) => _incoming.TryGetValue(nodeId, out var e) ? e : throw UnknownNode(nodeId);

    /// <summary>Edges out of the node (with their ports), in document order.</summary>
    public IReadOnlyList<Edge> Outgoing(string nodeId) => _outgoing.TryGetValue(nodeId, out var e) ? e : throw UnknownNode(nodeId);

    /// <summary>Distinct ids of the nodes with an edge into this one.</summary>
    public IEnumerable<string> Predecessors(string nodeId) => Incoming(nodeId).Select(e => e.From).Distinct(StringComparer.Ordinal);

    /// <summary>Distinct ids of the nodes this one has an edge to.</summary>
    public IEnumerable<string> Successors(string nodeId) => Outgoing(nodeId).Select(e => e.To).Distinct(StringComparer.Ordinal);

    /// <summary>Every node with a path to this one (through any port), not including the node itself.</summary>
    public IReadOnlySet<string> Ancestors(string nodeId) => _ancestors.TryGetValue(nodeId, out var a) ? a : throw UnknownNode(nodeId);

    /// <summary>Every node reachable from this one (through any port, or only through <paramref name="fromPort"/> for the first step).</summary>
    public IReadOnlySet<string> Descendants(string nodeId, string? fromPort = null)
    {
        var first = Outgoing(nodeId).Where(e => fromPort is null || string.Equals(e.FromPort, fromPort, StringComparison.Ordinal));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(first.Select(e => e.To));
        while (queue.TryDequeue(out var id))
        {
            if (seen.Add(id))
            {
                foreach (var edge in _outgoing[id])
                {
                    queue.Enqueue(edge.To);
                }
            }
        }
        return seen;
    }

    private static KeyNotFoundException UnknownNode(string nodeId) => new($"The workflow has no node '{nodeId}'.");

    /// <summary>Nodes (first definition of each id) and the edges between existing nodes.</summary>
    private sealed class Topology
    {
        public required List<string> Ids { get; init; }
        public required FrozenDictionary<string, NodeDefinition> Nodes { get; init; }
        public required Dictionary<string, List<Edge>> Incoming { get; init; }
        public required Dictionary<string, List<Edge>> Outgoing { get; init; }

        public static Topology Of(WorkflowGraph graph)
        {
            var nodes = new Dictionary<string, NodeDefinition>(StringComparer.Ordinal);
            var ids = new List<string>();
            foreach (var node in graph.Nodes)
            {
                if (nodes.TryAdd(node.Id, node))
                {
                    ids.Add(node.Id);
                }
            }
            var incoming = ids.ToDictionary(id => id, _ => new List<Edge>(), StringComparer.Ordinal);
            var outgoing = ids.ToDictionary(id => id, _ => new List<Edge>(), StringComparer.Ordinal);
            foreach (var edge in graph.Edges)
            {
                if (nodes.ContainsKey(edge.From) && nodes.ContainsKey(edge.To))
                {
                    outgoing[edge.From].Add(edge);
                    incoming[edge.To].Add(edge);
                }
            }
            return new Topology { Ids = ids, Nodes = nodes.ToFrozenDictionary(StringComparer.Ordinal), Incoming = incoming, Outgoing = outgoing };
        }

        /// <summary>Kahn's algorithm; among ready nodes the earliest in the document goes first. Shorter than
        /// <see cref="Ids"/> when there is a cycle.</summary>
        public ImmutableArray<string> Sort()
        {
            var index = Ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
            var remaining = Ids.ToDictionary(id => id, id => Incoming[id].Count, StringComparer.Ordinal);
            var ready = new PriorityQueue<string, int>();
            foreach (var id in Ids.Where(id => remaining[id] == 0))
            {
                ready.Enqueue(id, index[id]);
            }
            var order = ImmutableArray.CreateBuilder<string>(Ids.Count);
            while (ready.TryDequeue(out var id, out _))
            {
                order.Add(id);
                foreach (var edge in Outgoing[id])
                {
                    if (--remaining[edge.To] == 0)
                    {
                        ready.Enqueue(edge.To, index[edge.To]);
                    }
                }
            }
            return order.ToImmutable();
        }

        /// <summary>One loop per strongly connected component that has one (Tarjan), each starting at its earliest node in
        /// the document, so messages can name the nodes in the order the loop goes.</summary>
        public IReadOnlyList<IReadOnlyList<string>> FindCycles()
        {
            var components = StronglyConnectedComponents();
            var cycles = new List<IReadOnlyList<string>>();
            foreach (var component in components)
            {
                var members = component.ToHashSet(StringComparer.Ordinal);
                var start = Ids.First(members.Contains);
                if (component.Count == 1 && !Outgoing[start].Any(e => e.To == start))
                {
                    continue;
                }
                cycles.Add(LoopThrough(start, members));
            }
            return cycles.OrderBy(c => Ids.IndexOf(c[0])).ToList();
        }

        /// <summary>A shortest path from <paramref name="start"/> back to itself inside one component (breadth-first).</summary>
        private List<string> LoopThrough(string start, HashSet<string> members)
        {
            var parent = new Dictionary<string, string>(StringComparer.Ordinal);
            var queue = new Queue<string>();
            queue.Enqueue(start);
            while (queue.TryDequeue(out var id))
            {
                foreach (var next in Outgoing[id].Select(e => e.To).Where(members.Contains))
                {
                    if (next == start)
                    {
                        var path = new List<string> { id };
                        while (path[^1] != start)
                        {
                            path.Add(parent[path[^1]]);
                        }
                        path.Reverse();
                        return path;
                    }
                    if (parent.TryAdd(next, id))
                    {
                        queue.Enqueue(next);
                    }
                }
            }
            return [start]; // unreachable for a real component; keeps the method total
        }

        private List<List<string>> StronglyConnectedComponents()
        {
            // Iterative Tarjan: graphs are small, but a recursive version would still be one deep chain away from a stack overflow.
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var low = new Dictionary<string, int>(StringComparer.Ordinal);
            var onStack = new HashSet<string>(StringComparer.Ordinal);
            var stack = new Stack<string>();
            var result = new List<List<string>>();
            var counter = 0;
            foreach (var root in Ids)
            {
                if (index.ContainsKey(root))
                {
                    continue;
                }
                var work = new Stack<(string Id, int Next)>();
                work.Push((root, 0));
                index[root] = low[root] = counter++;
                stack.Push(root);
                onStack.Add(root);
                while (work.Count > 0)
                {
                    var (id, next) = work.Pop();
                    var edges = Outgoing[id];
                    if (next < edges.Count)
                    {
                        work.Push((id, next + 1));
                        var to = edges[next].To;
                        if (!index.ContainsKey(to))
                        {
                            index[to] = low[to] = counter++;
                            stack.Push(to);
                            onStack.Add(to);
                            work.Push((to, 0));
                        }
                        else if (onStack.Contains(to))
                        {
                            low[id] = Math.Min(low[id], index[to]);
                        }
                        continue;
                    }
                    if (low[id] == index[id])
                    {
                        var component = new List<string>();
                        string member;
                        do
                        {
                            member = stack.Pop();
                            onStack.Remove(member);
                            component.Add(member);
                        }
                        while (member != id);
                        result.Add(component);
                    }
                    if (work.TryPeek(out var parent))
                    {
                        low[parent.Id] = Math.Min(low[parent.Id], low[id]);
                    }
                }
            }
            return result;
        }
    }
}

/// <summary>Thrown by <see cref="ExecutionPlan.Create"/> for a graph with a loop; the message names the nodes.</summary>
public sealed class WorkflowCycleException(IReadOnlyList<IReadOnlyList<string>> cycles)
    : InvalidOperationException(Describe(cycles))
{
    public IReadOnlyList<IReadOnlyList<string>> Cycles { get; } = cycles;

    internal static string Describe(IReadOnlyList<IReadOnlyList<string>> cycles) =>
        cycles.Count == 1
            ? $"The workflow has a loop: {DescribeLoop(cycles[0])}. A workflow must flow one way, from start to answer."
            : $"The workflow has {cycles.Count} loops: {string.Join("; ", cycles.Select(DescribeLoop))}. A workflow must flow one way, from start to answer.";

    internal static string DescribeLoop(IReadOnlyList<string> cycle) => string.Join(" → ", cycle.Append(cycle[0]).Select(id => $"'{id}'"));
}
