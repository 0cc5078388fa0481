using Microsoft.AspNetCore.Components;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Components.Pages.Runs;

/// <summary>One recorded run: question, answer or error, the run replayed on the workflow's canvas, and the per-step trace.</summary>
public sealed partial class RunDetailsPage
{
    private RunDetails? _details;
    private RunGraph? _graph;
    private bool _loaded;

    [Parameter] public string RunId { get; set; } = "";

    [Inject] private RunHistory History { get; set; } = null!;
    [Inject] private RunGraphs Graphs { get; set; } = null!;

    /// <summary>The run's workflow is still stored (its graph is found whenever it is).</summary>
    private bool WorkflowExists => _graph is not null;

    protected override async Task OnParametersSetAsync()
    {
        _details = await History.GetAsync(RunId);
        _graph = _details is null ? null : await Graphs.FindAsync(_details.Run, _details.Trace);
        _loaded = true;
    }
}
