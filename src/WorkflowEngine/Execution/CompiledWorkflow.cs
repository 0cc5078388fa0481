using System.Collections.Concurrent;
using System.Collections.Immutable;
using WorkflowEngine.Caching;
using WorkflowEngine.Graphs;

namespace WorkflowEngine.Execution;

/// <summary>
/// A graph worked out once: its validation problems, its execution plan, a hash of its nodes and edges, the knowledge bases
/// it reads, the steps upstream of each node, and what node types derive from it (<see cref="Memo{T}"/>). Graphs are
/// immutable records, so <see cref="WorkflowCompiler"/> keeps one per graph instance and the runner, the studio and the API
/// share it instead of each walking the graph again; every part is worked out on first use. Thread-safe.
/// </summary>
public sealed class CompiledWorkflow
{
    private readonly Lazy<IReadOnlyList<ValidationProblem>> _problems;
    private readonly Lazy<ExecutionPlan> _plan;
    private readonly Lazy<string> _hash;
    private readonly Lazy<ImmutableArray<string>> _knowledgeBaseIds;
    private readonly ConcurrentDictionary<string, ImmutableArray<NodeDefinition>> _upstream = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<object, object> _memos = new(ReferenceEqualityComparer.Instance);

    /// <param name="validator">Null: the graph is taken as valid (<see cref="Problems"/> is empty), for hosts and tests that
    /// build a run by hand.</param>
    public CompiledWorkflow(WorkflowGraph graph, GraphValidator? validator = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
        _problems = new(() => validator?.Validate(graph) ?? []);
        _plan = new(() => ExecutionPlan.Create(graph));
        _hash = new(() => CanonicalJson.Hash(new
        {
            nodes = graph.Nodes.OrderBy(n => n.Id, StringComparer.Ordinal).Select(n => new { id = n.Id, type = n.Type, settings = n.Settings }),
            edges = graph.Edges.Select(e => new { e.From, e.To, e.FromPort, e.ToPort }).OrderBy(e => e.From + "\n" + e.To + "\n" + e.FromPort, StringComparer.Ordinal),
        }));
        _knowledgeBaseIds = new(() => [.. graph.Nodes.Select(NodeCacheKey.KnowledgeBaseIdOf).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
    }

    public WorkflowGraph Graph { get; }

    /// <summary>What keeps the graph from running (the checks the studio shows); empty when it can run.</summary>
    public IReadOnlyList<ValidationProblem> Problems => _problems.Value;

    /// <summary>The order the graph runs in and its connections.</summary>
    /// <exception cref="WorkflowCycleException">The graph has a loop (a graph without <see cref="Problems"/> has none).</exception>
    public ExecutionPlan Plan => _plan.Value;

    /// <summary>A hash of every node's id, type and settings and of the edges: what an answer built by this graph depends on
    /// besides its inputs (the layout and titles are left out).</summary>
    public string Hash => _hash.Value;

    /// <summary>The knowledge bases the graph's steps read, sorted.</summary>
    public ImmutableArray<string> KnowledgeBaseIds => _knowledgeBaseIds.Value;

    /// <summary>The steps upstream of <paramref name="nodeId"/>, nearest first (each once); empty for an unknown node.</summary>
    public ImmutableArray<NodeDefinition> Upstream(string nodeId) =>
        _upstream.GetOrAdd(nodeId, static (id, graph) =>
        {
            var result = ImmutableArray.CreateBuilder<NodeDefinition>();
            var seen = new HashSet<string>(StringComparer.Ordinal) { id };
            var queue = new Queue<string>([id]);
            while (queue.TryDequeue(out var current))
            {
                foreach (var edge in graph.Edges)
                {
                    if (edge.To == current && seen.Add(edge.From) && graph.FindNode(edge.From) is { } upstream)
                    {
                        result.Add(upstream);
                        queue.Enqueue(edge.From);
                    }
                }
            }
            return result.ToImmutable();
        }, Graph);

    /// <summary>What <paramref name="owner"/> (a node type, a service) derives from this graph, built once by
    /// <paramref name="build"/> and kept as long as the graph: so that a node type needs no table of its own keyed by graph.</summary>
    public T Memo<T>(object owner, Func<CompiledWorkflow, T> build)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(build);
        return (T)_memos.GetOrAdd(owner, static (_, state) => state.build(state.self), (build, self: this));
    }
}

/// <summary>Compiles graphs, one <see cref="CompiledWorkflow"/> per graph instance (dropped with the graph). Singleton.</summary>
public sealed class WorkflowCompiler(GraphValidator validator)
{
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<WorkflowGraph, CompiledWorkflow> _compiled = new();

    public CompiledWorkflow Compile(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return _compiled.GetValue(graph, g => new CompiledWorkflow(g, validator));
    }
}
