using Blazor.Diagrams;
using Blazor.Diagrams.Core.Behaviors;
using Blazor.Diagrams.Core.Models;
using Blazor.Diagrams.Core.Models.Base;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor;
using Edge = WorkflowEngine.Graphs.Edge;
using WorkflowEngine.Graphs;
using WorkflowStudio.Components.Pages.Editor;

namespace WorkflowStudio.Components.Designer;

/// <summary>
/// The diagram canvas. Shows <see cref="EditorSession.Graph"/> through <see cref="DiagramMapper"/> and turns what the user does
/// on the canvas (connect, move, delete, select) into session edits; the diagram never holds state of its own that the graph lacks.
/// </summary>
public sealed partial class WorkflowCanvas : IAsyncDisposable
{
    /// <summary>Opening a workflow fits it to the view, but never so far out that cards become hard to read (a larger graph
    /// opens at its top-left corner and the user pans to the rest); the fit button shows everything.</summary>
    private const double OpenMinZoom = 0.6;
    private const double FitMinZoom = 0.35;
    private const double FitMaxZoom = 1;

    private ElementReference _host;

    private IJSObjectReference? _module;
    private bool _scriptReady;
    private bool _syncing;

    [Inject] private EditorSession Session { get; set; } = null!;
    [Inject] private DiagramMapper Mapper { get; set; } = null!;
    [Inject] private ISnackbar Snackbar { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;

    /// <summary>Called when a palette item is dropped on the canvas, with the diagram position for the new node's top-left corner.</summary>
    [Parameter] public EventCallback<NodePosition> OnDropNode { get; set; }

    public BlazorDiagram Diagram { get; } = DesignerRegistration.CreateDiagram();

    protected override void OnInitialized()
    {
        var keyboard = Diagram.GetBehavior<KeyboardShortcutsBehavior>();
        keyboard?.SetShortcut("Delete", false, false, false, _ => DeleteSelection());
        keyboard?.SetShortcut("Backspace", false, false, false, _ => DeleteSelection());
        Diagram.Links.Added += OnLinkAdded;
        Diagram.Links.Removed += OnLinkRemoved;
        Diagram.Nodes.Added += OnNodeAdded;
        Diagram.Nodes.Removed += OnNodeRemoved;
        Diagram.SelectionChanged += OnDiagramSelectionChanged;
        Session.Changed += OnSessionChanged;
        Session.ProblemsChanged += OnSessionChanged;
        Session.SelectionChanged += OnSessionSelectionChanged;
        Sync();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive)
        {
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "./Components/Designer/WorkflowCanvas.razor.js");
            await _module.InvokeAsync<bool>("ensureDiagramAssets", "_content/Z.Blazor.Diagrams/script.min.js",
                new[] { "_content/Z.Blazor.Diagrams/style.min.css", "_content/Z.Blazor.Diagrams/default.styles.min.css" });
            // Fit before the diagram first renders, so it opens at its final zoom and pan (ports need no measuring: see WorkflowPortModel).
            if (await _module.InvokeAsync<double[]?>("size", _host) is [var width, var height])
            {
                Fit(width, height, OpenMinZoom);
            }
            _scriptReady = true;
            StateHasChanged();
        }
    }

    /// <summary>A free spot near the middle of what the user sees, for click-to-add.</summary>
    public NodePosition FreeSpotInView()
    {
        var c = Diagram.Container;
        var x = c is null ? DiagramMapper.Margin : (c.Width / 2 - Diagram.Pan.X) / Diagram.Zoom - WorkflowNodeModel.CardWidth / 2;
        var y = c is null ? DiagramMapper.Margin : (c.Height / 2 - Diagram.Pan.Y) / Diagram.Zoom - WorkflowNodeModel.CardHeight / 2;
        return FreeSpotNear(x, y, DiagramMapper.PositionsFor(Session.Graph).Values.ToList());
    }

    /// <summary>The first place at or below (<paramref name="x"/>, <paramref name="y"/>), then in the columns to its right,
    /// where a new card overlaps no card in <paramref name="taken"/> (with a gap, so it never looks connected to one).</summary>
    internal static NodePosition FreeSpotNear(double x, double y, IReadOnlyList<NodePosition> taken)
    {
        const double Gap = 24;
        const int RowsPerColumn = 8;
        for (var column = 0; column < 20; column++)
        {
            for (var row = 0; row < RowsPerColumn; row++)
            {
                var cx = x + column * (WorkflowNodeModel.CardWidth + Gap);
                var cy = y + row * (WorkflowNodeModel.CardHeight + Gap);
                if (!taken.Any(p => Math.Abs(p.X - cx) < WorkflowNodeModel.CardWidth + Gap && Math.Abs(p.Y - cy) < WorkflowNodeModel.CardHeight + Gap))
                {
                    return new NodePosition(Math.Round(cx), Math.Round(cy));
                }
            }
        }
        return new NodePosition(Math.Round(x), Math.Round(y));
    }

    /// <summary>Zooms so every node is visible (never beyond 100 %, and not so far out that labels become unreadable).</summary>
    public void FitToScreen()
    {
        if (Diagram.Container is { } c)
        {
            Fit(c.Width, c.Height, FitMinZoom);
        }
    }

    private void Fit(double width, double height, double minZoom) => DiagramFit.Apply(Diagram, width, height, minZoom, FitMaxZoom);

    private void ZoomBy(double factor)
    {
        var c = Diagram.Container;
        if (c is null)
        {
            return;
        }
        var old = Diagram.Zoom;
        var zoom = Math.Clamp(old * factor, Diagram.Options.Zoom.Minimum, Diagram.Options.Zoom.Maximum);
        var cx = c.Width / 2;
        var cy = c.Height / 2;
        Diagram.SetZoom(zoom);
        Diagram.SetPan(cx - (cx - Diagram.Pan.X) / old * zoom, cy - (cy - Diagram.Pan.Y) / old * zoom);
    }

    private static void NoOp()
    {
    }

    private async Task HandleDropAsync(DragEventArgs e)
    {
        if (Diagram.Container is null)
        {
            return;
        }
        var point = Diagram.GetRelativeMousePoint(e.ClientX, e.ClientY);
        await OnDropNode.InvokeAsync(new NodePosition(
            Math.Round(point.X - WorkflowNodeModel.CardWidth / 2), Math.Round(point.Y - WorkflowNodeModel.CardHeight / 2)));
    }

    private void Sync()
    {
        _syncing = true;
        try
        {
            Mapper.Sync(Diagram, Session.Graph, Session.Problems);
            ApplySelection();
        }
        finally
        {
            _syncing = false;
        }
    }

    private void ApplySelection()
    {
        var wanted = Session.SelectedNodeIds.ToHashSet(StringComparer.Ordinal);
        foreach (var node in Diagram.Nodes.OfType<WorkflowNodeModel>())
        {
            if (wanted.Contains(node.NodeId) && !node.Selected)
            {
                Diagram.SelectModel(node, unselectOthers: false);
            }
            else if (!wanted.Contains(node.NodeId) && node.Selected)
            {
                Diagram.UnselectModel(node);
            }
        }
    }

    private void OnSessionChanged() => _ = InvokeAsync(Sync);

    private void OnSessionSelectionChanged() => _ = InvokeAsync(() =>
    {
        _syncing = true;
        try
        {
            ApplySelection();
        }
        finally
        {
            _syncing = false;
        }
    });

    private void OnDiagramSelectionChanged(SelectableModel _)
    {
        if (_syncing)
        {
            return;
        }
        Session.Select(Diagram.Nodes.OfType<WorkflowNodeModel>().Where(n => n.Selected).Select(n => n.NodeId));
    }

    private void OnNodeAdded(NodeModel node) => node.Moved += OnNodeMoved;

    private void OnNodeRemoved(NodeModel node) => node.Moved -= OnNodeMoved;

    private void OnNodeMoved(MovableModel _)
    {
        if (_syncing)
        {
            return;
        }
        // A multi-node drag raises Moved once per node; the first call records them all, the others find nothing new.
        Session.Move(DiagramMapper.ReadPositions(Diagram));
    }

    private void OnLinkAdded(BaseLinkModel link) => link.TargetAttached += OnLinkAttached;

    private void OnLinkRemoved(BaseLinkModel link) => link.TargetAttached -= OnLinkAttached;

    private void OnLinkAttached(BaseLinkModel link)
    {
        if (_syncing)
        {
            return;
        }
        var edge = DiagramMapper.ToEdge(link);
        if (edge is null)
        {
            Diagram.Links.Remove(link);
            return;
        }
        var canonical = link is WorkflowLinkModel && link.Source is Blazor.Diagrams.Core.Anchors.SinglePortAnchor { Port: WorkflowPortModel { IsInput: false } };
        if (canonical)
        {
            ((WorkflowLinkModel)link).Edge = edge;
        }
        var hint = Session.Connect(edge);
        if (hint is not null)
        {
            Diagram.Links.Remove(link);
            Snackbar.Add(hint, Severity.Warning);
        }
        else if (!canonical)
        {
            // Drawn from an input to an output: the synced, correctly oriented link replaces it.
            Diagram.Links.Remove(link);
            Sync();
        }
    }

    private ValueTask DeleteSelection()
    {
        var nodes = Diagram.Nodes.OfType<WorkflowNodeModel>().Where(n => n.Selected).Select(n => n.NodeId).ToList();
        var edges = Diagram.Links.Where(l => l.Selected).Select(DiagramMapper.ToEdge).OfType<Edge>().ToList();
        Session.Remove(nodes, edges);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        Session.Changed -= OnSessionChanged;
        Session.ProblemsChanged -= OnSessionChanged;
        Session.SelectionChanged -= OnSessionSelectionChanged;
        Diagram.Links.Added -= OnLinkAdded;
        Diagram.Links.Removed -= OnLinkRemoved;
        Diagram.Nodes.Added -= OnNodeAdded;
        Diagram.Nodes.Removed -= OnNodeRemoved;
        Diagram.SelectionChanged -= OnDiagramSelectionChanged;
        foreach (var link in Diagram.Links)
        {
            link.TargetAttached -= OnLinkAttached;
        }
        foreach (var node in Diagram.Nodes)
        {
            node.Moved -= OnNodeMoved;
        }
        if (_module is not null)
        {
            try
            {
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The circuit is gone with the tab; nothing to release in the browser.
            }
        }
    }
}
