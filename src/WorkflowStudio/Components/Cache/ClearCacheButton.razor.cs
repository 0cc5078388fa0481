using Microsoft.AspNetCore.Components;
using MudBlazor;
using WorkflowEngine.Caching;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Components.Cache;

/// <summary>"Clear cache" for a whole workflow or one of its nodes: asks first, clears on every studio instance through
/// <see cref="ICacheInvalidation.ClearWorkflowAsync"/>, and says what happened in a snackbar. Drop it anywhere
/// (e.g. the editor's inspector): <c>&lt;ClearCacheButton WorkflowId="@id" NodeId="llm" NodeTitle="Ask the model" /&gt;</c>.
/// Needs the MudBlazor dialog and snackbar providers (the main layout has them). Shown to editors and administrators only.</summary>
public sealed partial class ClearCacheButton
{
    private bool _busy;

    [Inject] private ICacheInvalidation Invalidation { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private StudioAccess Access { get; set; } = default!;

    [Parameter, EditorRequired] public string WorkflowId { get; set; } = "";

    /// <summary>Clear only this node's results; null clears the whole workflow.</summary>
    [Parameter] public string? NodeId { get; set; }

    /// <summary>What the user calls the workflow or node in messages (the workflow name or node title); defaults to the id.</summary>
    [Parameter] public string? DisplayName { get; set; }

    [Parameter] public string Label { get; set; } = "Clear cache";

    [Parameter] public Variant Variant { get; set; } = Variant.Outlined;

    [Parameter] public Size Size { get; set; } = Size.Small;

    /// <summary>Raised after the cache was cleared (not when the user said no).</summary>
    [Parameter] public EventCallback OnCleared { get; set; }

    private string Name => DisplayName ?? NodeId ?? WorkflowId;

    private string TooltipText => NodeId is null
        ? "Forget every remembered result of this workflow, so the next questions run all steps again."
        : "Forget this step's remembered results, so it runs again next time.";

    private async Task ClearAsync()
    {
        var (title, message) = NodeId is null
            ? ("Clear this workflow's cache?", $"Everything remembered for “{Name}” is forgotten on every studio instance. " +
                                               "The next questions will run all steps again (and call the AI model again), so they take longer until the cache fills up.")
            : ("Clear this step's cache?", $"The results remembered for the step “{Name}” are forgotten on every studio instance. " +
                                           "It runs again the next time it is needed.");
        var confirmed = await Dialogs.ShowMessageBoxAsync(title, message, yesText: "Clear cache", cancelText: "Cancel");
        if (confirmed != true)
        {
            return;
        }
        await Access.DemandAsync(StudioPermission.Edit);
        _busy = true;
        try
        {
            await Invalidation.ClearWorkflowAsync(WorkflowId, NodeId);
            Snackbar.Add(NodeId is null ? $"Cleared the cache of “{Name}”." : $"Cleared the cache of the step “{Name}”.", Severity.Success);
            await OnCleared.InvokeAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            Snackbar.Add($"The cache could not be cleared: {e.Message}", Severity.Error);
        }
        finally
        {
            _busy = false;
        }
    }
}
