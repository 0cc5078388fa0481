using System.Collections.Concurrent;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;

namespace WorkflowStudio.Runs;

/// <summary>
/// Delivers a run's events to whoever watches it, keyed by run id (eShop's notification-service pattern): the test chat
/// subscribes to its own run only, so two tabs running the same workflow never see each other's events. Runs are started here
/// and pumped on the thread pool, off any Blazor circuit; a subscriber that throws or goes away (a closed tab) never stops the run,
/// which is still finished and recorded by <see cref="WorkflowRunService"/>.
/// </summary>
public sealed class RunHub(WorkflowRunService runs, ILogger<RunHub> logger)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Subscription, byte>> _subscribers = new(StringComparer.Ordinal);

    /// <summary>Calls <paramref name="handler"/> with every event of run <paramref name="runId"/> until the returned handle is disposed.
    /// Subscribe before <see cref="Start"/> to see the run from its first event.</summary>
    public IDisposable Subscribe(string runId, Func<WorkflowEvent, Task> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, runId, handler);
        _subscribers.GetOrAdd(runId, _ => new()).TryAdd(subscription, 0);
        return subscription;
    }

    /// <summary>How many handlers watch <paramref name="runId"/> (for tests and diagnostics).</summary>
    public int SubscriberCount(string runId) => _subscribers.TryGetValue(runId, out var set) ? set.Count : 0;

    /// <summary>Starts a run of <paramref name="graph"/> (saved or not) and publishes its events to the run's subscribers.</summary>
    /// <param name="startedBy">The signed-in user who asked (<see cref="Accounts.Actors.User"/>), stored with the run.</param>
    public RunHandle Start(WorkflowGraph graph, RunRequest request, string? workflowName = null, CancellationToken cancellationToken = default, string? startedBy = null)
    {
        var handle = runs.Start(graph, request, RunSources.Studio, workflowName, cancellationToken, startedBy: startedBy);
        _ = Task.Run(() => PumpAsync(handle), CancellationToken.None);
        return handle;
    }

    /// <summary>Hands <paramref name="e"/> to the subscribers of its run, one after another; their failures are logged, not thrown.</summary>
    public async Task PublishAsync(WorkflowEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (!_subscribers.TryGetValue(e.RunId, out var set))
        {
            return;
        }
        foreach (var subscription in set.Keys)
        {
            try
            {
                await subscription.Handler(e).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.RunSubscriberFailed(logger, ex, e.RunId);
            }
        }
    }

    private async Task PumpAsync(RunHandle handle)
    {
        try
        {
            await foreach (var e in handle.ReadEventsAsync().ConfigureAwait(false))
            {
                await PublishAsync(e).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Log.RunServiceFailed(logger, ex, handle.RunId);
        }
    }

    private void Remove(Subscription subscription)
    {
        if (_subscribers.TryGetValue(subscription.RunId, out var set))
        {
            set.TryRemove(subscription, out _);
            if (set.IsEmpty)
            {
                _subscribers.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Subscription, byte>>(subscription.RunId, set));
            }
        }
    }

    private sealed class Subscription(RunHub hub, string runId, Func<WorkflowEvent, Task> handler) : IDisposable
    {
        private int _disposed;

        public string RunId { get; } = runId;

        public Func<WorkflowEvent, Task> Handler { get; } = handler;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                hub.Remove(this);
            }
        }
    }
}
