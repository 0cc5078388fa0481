using Microsoft.AspNetCore.Components;
using MudBlazor;
using WorkflowStudio.Components.Pages.Editor;

namespace WorkflowStudio.Components.Chat;

/// <summary>The inspector's "Last run" tab: what the selected step did in the test chat's latest run (outcome pill as on the
/// canvas, cache level, time, tokens, time saved, details and output preview).</summary>
public sealed partial class NodeLastRun : IDisposable
{
    [Inject] private EditorSession Session { get; set; } = null!;

    [Parameter, EditorRequired] public string NodeId { get; set; } = "";

    protected override void OnInitialized() => Session.LastRunChanged += OnLastRunChanged;

    private void OnLastRunChanged() => _ = InvokeAsync(StateHasChanged);

    private static Color ChipColor(string state) => state switch
    {
        RunOverlay.Hit or RunOverlay.NegativeHit => Color.Success,
        RunOverlay.Miss => Color.Warning,
        RunOverlay.Failed => Color.Error,
        _ => Color.Default,
    };

    public void Dispose() => Session.LastRunChanged -= OnLastRunChanged;
}
