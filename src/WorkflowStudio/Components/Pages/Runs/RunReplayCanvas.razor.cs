using Blazor.Diagrams;
using Blazor.Diagrams.Core.Behaviors;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using WorkflowEngine.Graphs;
using WorkflowStudio.Components.Chat;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Components.Pages.Runs;

/// <summary>
/// A recorded run replayed on a read-only canvas: the workflow's graph with each traced step's final state (the same pills as
/// the live overlay) and the path the run took. Nodes cannot be moved, linked or deleted here; panning and zooming work.
/// Its own diagram, not the editor's session, so opening a run never touches unsaved work in the editor.
/// </summary>
public sealed partial class RunReplayCanvas : IAsyncDisposable
{
    private ElementReference _host;
    private IJSObjectReference? _module;
    private bool _scriptReady;
    private WorkflowGraph? _shownGraph;
    private IReadOnlyList<RunTraceEntry>? _shownTrace;

    [Inject] private DiagramMapper Mapper { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;

    [Parameter, EditorRequired] public WorkflowGraph Graph { get; set; } = null!;

    [Parameter, EditorRequired] public IReadOnlyList<RunTraceEntry> Trace { get; set; } = [];

    public BlazorDiagram Diagram { get; } = CreateReadOnlyDiagram();

    private static BlazorDiagram CreateReadOnlyDiagram()
    {
        var diagram = DesignerRegistration.CreateDiagram();
        diagram.UnregisterBehavior<DragMovablesBehavior>();
        diagram.UnregisterBehavior<DragNewLinkBehavior>();
        diagram.UnregisterBehavior<KeyboardShortcutsBehavior>();
        return diagram;
    }

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(Graph, _shownGraph) && ReferenceEquals(Trace, _shownTrace))
        {
            return;
        }
        _shownGraph = Graph;
        _shownTrace = Trace;
        Mapper.Sync(Diagram, Graph);
        foreach (var node in Diagram.Nodes)
        {
            node.Locked = true;
        }
        foreach (var link in Diagram.Links)
        {
            link.Locked = true;
        }
        RunOverlay.Replay(Diagram, Trace);
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender || !RendererInfo.IsInteractive)
        {
            return;
        }
        try
        {
            // The editor canvas's module: it loads the diagram library's script and styles once per page.
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "./Components/Designer/WorkflowCanvas.razor.js");
            if (_module is not null)
            {
                await _module.InvokeAsync<bool>("ensureDiagramAssets", "_content/Z.Blazor.Diagrams/script.min.js",
                    new[] { "_content/Z.Blazor.Diagrams/style.min.css", "_content/Z.Blazor.Diagrams/default.styles.min.css" });
                if (await _module.InvokeAsync<double[]?>("size", _host) is [var width, var height])
                {
                    DiagramFit.Apply(Diagram, width, height, minZoom: 0.35, maxZoom: 1);
                }
            }
        }
        catch (JSDisconnectedException)
        {
            return;
        }
        _scriptReady = true;
        StateHasChanged();
    }

    public async ValueTask DisposeAsync()
    {
        if (_module is not null)
        {
            try
            {
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The tab is gone; nothing to release in the browser.
            }
        }
    }
}
