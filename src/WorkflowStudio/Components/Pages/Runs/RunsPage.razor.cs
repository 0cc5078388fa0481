using Microsoft.AspNetCore.Components;
using MudBlazor;
using WorkflowEngine.Persistence;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Components.Pages.Runs;

/// <summary>The recorded runs, newest first, filtered by workflow, outcome and date; a row opens the run's trace.</summary>
public sealed partial class RunsPage
{
    private IReadOnlyList<RunSummary>? _runs;
    private IReadOnlyList<WorkflowSummary> _workflows = [];
    private string? _workflowId;
    private string? _status;
    private DateTime? _from;
    private DateTime? _to;

    [Inject] private RunHistory History { get; set; } = null!;
    [Inject] private WorkflowStore Workflows { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;

    private bool HasFilters => _workflowId is not null || _status is not null || _from is not null || _to is not null;

    protected override async Task OnInitializedAsync()
    {
        _workflows = await Workflows.ListAsync();
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        // Dates are picked in the user's calendar; "to" includes the whole day.
        DateTimeOffset? from = _from is { } f ? new DateTimeOffset(f.Date, TimeZoneInfo.Local.GetUtcOffset(f.Date)) : null;
        DateTimeOffset? to = _to is { } t ? new DateTimeOffset(t.Date.AddDays(1), TimeZoneInfo.Local.GetUtcOffset(t.Date)) : null;
        _runs = await History.ListAsync(new RunQuery(_workflowId, _status, from, to, Take: 200));
    }

    private async Task SetWorkflowAsync(string? id)
    {
        _workflowId = string.IsNullOrEmpty(id) ? null : id;
        await LoadAsync();
    }

    private async Task SetStatusAsync(string? status)
    {
        _status = string.IsNullOrEmpty(status) ? null : status;
        await LoadAsync();
    }

    private async Task SetFromAsync(DateTime? from)
    {
        _from = from;
        await LoadAsync();
    }

    private async Task SetToAsync(DateTime? to)
    {
        _to = to;
        await LoadAsync();
    }

    private void Open(string runId) => Navigation.NavigateTo($"runs/{runId}");

    private static Color StatusColor(string status) => status switch
    {
        "succeeded" => Color.Success,
        "failed" => Color.Error,
        _ => Color.Default,
    };
}
