using Microsoft.AspNetCore.Components;
using WorkflowEngine.Caching;
using WorkflowStudio.Accounts;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Components.Chat;

/// <summary>"Wrong answer" under a test-chat answer that the response cache served or stored: drops it from the cache on every
/// instance and blocks the question pair (<see cref="RunFeedback"/>), then says so in place. Shown to editors and administrators
/// only, and only for answers the cache has seen: for any other answer there is nothing to drop.</summary>
public sealed partial class WrongAnswerButton
{
    private bool _busy;
    private bool _reported;
    private string? _error;

    [Inject] private RunFeedback Feedback { get; set; } = default!;
    [Inject] private StudioAccess Access { get; set; } = default!;

    /// <summary>The finished run whose answer this is (a cached answer: <see cref="RunFeedback.CachedAnswerOf"/> is not null).</summary>
    [Parameter, EditorRequired] public CompletedRun Run { get; set; } = default!;

    private bool Served => RunFeedback.CachedAnswerOf(Run.WorkflowId, Run.Trace) is { Served: true };

    private string TooltipText => Served
        ? "This answer came from the cache. Report it wrong to forget it on every studio instance; this question will not be matched to the cached one again."
        : "This answer was just stored in the cache. Report it wrong to forget it, so the next time this question is asked the workflow works it out again.";

    private async Task ReportAsync()
    {
        _busy = true;
        _error = null;
        try
        {
            await Access.DemandAsync(StudioPermission.Edit);
            _reported = await Feedback.ReportWrongAsync(Run.WorkflowId, Run.Trace) is not null;
            if (!_reported)
            {
                _error = "This answer is not in the cache, so there is nothing to forget.";
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException or StackExchange.Redis.RedisException)
        {
            _error = $"The report could not be saved: {e.Message}";
        }
        finally
        {
            _busy = false;
        }
    }
}
