using System.Collections.Immutable;
using System.Text.Json;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowStudio.Components.Designer;

namespace WorkflowStudio.Components.Pages.Editor;

/// <summary>
/// The editor's state for one circuit (scoped): the workflow being edited as an immutable <see cref="WorkflowGraph"/>, undo and
/// redo stacks of earlier graphs, the dirty flag, the selection and the latest validation problems. Every edit goes through
/// here, so the canvas, inspector and problems panel only listen to <see cref="Changed"/> and render the current graph.
/// </summary>
public sealed class EditorSession(NodeRegistry registry)
{
    private const int MaxUndo = 200;
    private static readonly JsonSerializerOptions SettingsJson = new(JsonSerializerDefaults.Web);

    private readonly ConnectionRules _rules = new(registry);
    private readonly LinkedList<WorkflowGraph> _undo = new();
    private readonly Stack<WorkflowGraph> _redo = new();
    private WorkflowGraph _saved = new();

    /// <summary>Raised after every change of <see cref="Graph"/> (edit, undo, redo, load, save).</summary>
    public event Action? Changed;

    public event Action? SelectionChanged;

    public event Action? ProblemsChanged;

    /// <summary>Raised when the test chat finished a run (or a workflow was loaded, which forgets the last one).</summary>
    public event Action? LastRunChanged;

    public NodeRegistry Registry => registry;

    public string? WorkflowId { get; private set; }

    /// <summary>The stored version the graph was loaded or last saved as: the expected version of the next save.</summary>
    public int Version { get; private set; }

    public WorkflowGraph Graph { get; private set; } = new();

    /// <summary>True when the graph differs from the last loaded or saved one (undoing back to it clears the flag).</summary>
    public bool IsDirty => !ReferenceEquals(Graph, _saved);

    public bool CanUndo => _undo.Count > 0;

    public bool CanRedo => _redo.Count > 0;

    public IReadOnlyList<string> SelectedNodeIds { get; private set; } = [];

    /// <summary>The one selected node, or null when none or several are selected.</summary>
    public NodeDefinition? SelectedNode => SelectedNodeIds.Count == 1 ? Graph.FindNode(SelectedNodeIds[0]) : null;

    public IReadOnlyList<ValidationProblem> Problems { get; private set; } = [];

    /// <summary>The test chat's latest finished run in this editor (or, on opening, the latest recorded run of the workflow), for the inspector's "Last run" tab.</summary>
    public WorkflowStudio.Runs.CompletedRun? LastRun { get; private set; }

    public void SetLastRun(WorkflowStudio.Runs.CompletedRun? run)
    {
        LastRun = run;
        LastRunChanged?.Invoke();
    }

    public void Load(string workflowId, WorkflowGraph graph, int version)
    {
        WorkflowId = workflowId;
        Version = version;
        Graph = graph;
        _saved = graph;
        _undo.Clear();
        _redo.Clear();
        SelectedNodeIds = [];
        Problems = [];
        LastRun = null;
        Changed?.Invoke();
        SelectionChanged?.Invoke();
        LastRunChanged?.Invoke();
    }

    /// <summary>Records a successful save of <paramref name="saved"/> (the graph as it was sent) as <paramref name="version"/>.</summary>
    public void MarkSaved(WorkflowGraph saved, int version)
    {
        Version = version;
        _saved = saved;
        Changed?.Invoke();
    }

    /// <summary>Applies one undoable edit. Returns false when it changed nothing.</summary>
    public bool Apply(Func<WorkflowGraph, WorkflowGraph> edit)
    {
        var next = edit(Graph);
        if (ReferenceEquals(next, Graph))
        {
            return false;
        }
        _undo.AddLast(Graph);
        if (_undo.Count > MaxUndo)
        {
            _undo.RemoveFirst();
        }
        _redo.Clear();
        Graph = next;
        DropStaleSelection();
        Changed?.Invoke();
        return true;
    }

    public bool Undo()
    {
        if (_undo.Last is not { } last)
        {
            return false;
        }
        _undo.RemoveLast();
        _redo.Push(Graph);
        Graph = last.Value;
        DropStaleSelection();
        Changed?.Invoke();
        return true;
    }

    public bool Redo()
    {
        if (!_redo.TryPop(out var next))
        {
            return false;
        }
        _undo.AddLast(Graph);
        Graph = next;
        DropStaleSelection();
        Changed?.Invoke();
        return true;
    }

    public void Select(IEnumerable<string> nodeIds)
    {
        IReadOnlyList<string> ids = [.. nodeIds.Distinct(StringComparer.Ordinal).Where(id => Graph.FindNode(id) is not null)];
        if (ids.SequenceEqual(SelectedNodeIds))
        {
            return;
        }
        SelectedNodeIds = ids;
        SelectionChanged?.Invoke();
    }

    public void SetProblems(IReadOnlyList<ValidationProblem> problems)
    {
        Problems = problems;
        ProblemsChanged?.Invoke();
    }

    // ---- Edits -------------------------------------------------------------------------------------------------------

    /// <summary>Adds a node of <paramref name="nodeType"/> with its type's default settings at <paramref name="position"/>
    /// and selects it. Returns the new node's id.</summary>
    public string AddNode(string nodeType, NodePosition position)
    {
        var descriptor = registry.Find(nodeType) ?? throw new ArgumentException($"Unknown node type '{nodeType}'.", nameof(nodeType));
        var id = FreeId(Graph, nodeType);
        var title = FreeTitle(Graph, descriptor.Metadata.DisplayName);
        var settings = JsonSerializer.SerializeToElement(Activator.CreateInstance(descriptor.ConfigType), descriptor.ConfigType, SettingsJson);
        var node = new NodeDefinition(id, nodeType, title, settings, new NodeCacheSettings(false, descriptor.Metadata.DefaultTtlSeconds));
        Apply(g => g with { Nodes = g.Nodes.Add(node), Layout = g.Layout.SetItem(id, position) });
        Select([id]);
        return id;
    }

    /// <summary>Removes nodes (with every edge touching them) and edges in one undoable step.</summary>
    public bool Remove(IReadOnlyCollection<string> nodeIds, IReadOnlyCollection<Edge> edges)
    {
        if (nodeIds.Count == 0 && edges.Count == 0)
        {
            return false;
        }
        var nodes = nodeIds.ToHashSet(StringComparer.Ordinal);
        var edgeKeys = edges.Select(DiagramMapper.EdgeKey).ToHashSet(StringComparer.Ordinal);
        return Apply(g =>
        {
            var keptNodes = g.Nodes.RemoveAll(n => nodes.Contains(n.Id));
            var keptEdges = g.Edges.RemoveAll(e => nodes.Contains(e.From) || nodes.Contains(e.To) || edgeKeys.Contains(DiagramMapper.EdgeKey(e)));
            if (keptNodes.Length == g.Nodes.Length && keptEdges.Length == g.Edges.Length)
            {
                return g;
            }
            return g with { Nodes = keptNodes, Edges = keptEdges, Layout = g.Layout.RemoveRange(nodes) };
        });
    }

    /// <summary>Adds a connection when the rules allow it. Returns null on success, otherwise a hint for the user.</summary>
    public string? Connect(Edge edge)
    {
        var problem = _rules.Check(Graph, edge);
        if (problem is null)
        {
            Apply(g => g with { Edges = g.Edges.Add(edge) });
        }
        return problem;
    }

    /// <summary>Records where nodes now are (one undoable step for a multi-node drag).</summary>
    public bool Move(IReadOnlyDictionary<string, NodePosition> positions)
    {
        return Apply(g =>
        {
            var moved = positions.Where(kv => g.FindNode(kv.Key) is not null && (!g.Layout.TryGetValue(kv.Key, out var old) || old != kv.Value)).ToList();
            return moved.Count == 0 ? g : g with { Layout = g.Layout.SetItems(moved) };
        });
    }

    /// <summary>Replaces one node's definition (inspector edits: title, settings, cache). When the edit renames or removes an
    /// output of a node whose outputs follow its settings, its connections follow in the same undoable step (see
    /// <see cref="FollowPorts"/>).</summary>
    public bool UpdateNode(string nodeId, Func<NodeDefinition, NodeDefinition> update)
    {
        return Apply(g =>
        {
            if (g.FindNode(nodeId) is not { } old)
            {
                return g;
            }
            var index = g.Nodes.IndexOf(old);
            var updated = update(old);
            return updated == old || SameNode(updated, old)
                ? g
                : g with { Nodes = g.Nodes.SetItem(index, updated), Edges = FollowPorts(g.Edges, old, updated) };
        });
    }

    /// <summary>The edges after <paramref name="before"/> became <paramref name="after"/>: when exactly one output went and one
    /// came (a renamed class), the connections from the old one leave from the new one; connections from an output that is gone
    /// otherwise (a removed class) are removed with it, as they would be with a removed node. Nothing changes for types whose
    /// outputs do not follow their settings, or when the outputs are only reordered.</summary>
    private ImmutableArray<Edge> FollowPorts(ImmutableArray<Edge> edges, NodeDefinition before, NodeDefinition after)
    {
        if (before.Type != after.Type || registry.Find(after.Type) is not { HasSettingsPorts: true } descriptor)
        {
            return edges;
        }
        var was = descriptor.OutputPortsOf(before);
        var now = descriptor.OutputPortsOf(after);
        var gone = was.Except(now, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
        if (gone.Count == 0)
        {
            return edges;
        }
        var added = now.Except(was, StringComparer.Ordinal).ToList();
        var renamedTo = gone.Count == 1 && added.Count == 1 ? added[0] : null;
        var kept = ImmutableArray.CreateBuilder<Edge>(edges.Length);
        foreach (var edge in edges)
        {
            if (edge.From != after.Id || edge.FromPort is null || !gone.Contains(edge.FromPort))
            {
                kept.Add(edge);
            }
            else if (renamedTo is not null)
            {
                kept.Add(edge with { FromPort = renamedTo });
            }
        }
        return kept.ToImmutable();
    }

    public bool Rename(string name)
    {
        var trimmed = name.Trim();
        return trimmed.Length > 0 && Apply(g => g.Name == trimmed ? g : g with { Name = trimmed });
    }

    /// <summary>Replaces the whole graph as one undoable step (restoring an earlier version).</summary>
    public bool Replace(WorkflowGraph graph) => Apply(_ => graph);

    private static bool SameNode(NodeDefinition a, NodeDefinition b) =>
        a.Id == b.Id && a.Type == b.Type && a.Title == b.Title && a.Cache == b.Cache
        && a.Settings.GetRawText() == b.Settings.GetRawText();

    private void DropStaleSelection()
    {
        if (SelectedNodeIds.Any(id => Graph.FindNode(id) is null))
        {
            SelectedNodeIds = [.. SelectedNodeIds.Where(id => Graph.FindNode(id) is not null)];
            SelectionChanged?.Invoke();
        }
    }

    private static string FreeId(WorkflowGraph graph, string baseId)
    {
        if (graph.FindNode(baseId) is null)
        {
            return baseId;
        }
        for (var i = 2; ; i++)
        {
            var id = $"{baseId}{i}";
            if (graph.FindNode(id) is null)
            {
                return id;
            }
        }
    }

    private static string FreeTitle(WorkflowGraph graph, string baseTitle)
    {
        var titles = graph.Nodes.Select(n => n.Title).ToHashSet(StringComparer.Ordinal);
        if (!titles.Contains(baseTitle))
        {
            return baseTitle;
        }
        for (var i = 2; ; i++)
        {
            var title = $"{baseTitle} {i}";
            if (!titles.Contains(title))
            {
                return title;
            }
        }
    }
}
