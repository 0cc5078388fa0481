namespace WorkflowTesting;

/// <summary>Waits for a condition that something outside the test makes true (a background writer, an indexing worker), checking
/// it on a timer until it holds or the time is up: the wait ends as soon as the condition does, never after a fixed sleep.</summary>
public static class Eventually
{
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var timer = new PeriodicTimer(interval ?? TimeSpan.FromMilliseconds(50));
        while (!await condition())
        {
            try
            {
                await timer.WaitForNextTickAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}.");
            }
        }
    }
}
