using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Execution.Middleware;

/// <summary>Stops a node that runs longer than <see cref="ExecutionOptions.NodeTimeout"/> and turns every failure into a
/// <see cref="NodeExecutionException"/> with a plain-language message (the original goes to the log). Cancellation of the run
/// itself passes through unchanged so the run ends as cancelled, not failed.</summary>
public sealed class ErrorHandlingMiddleware(TimeProvider time, IOptions<ExecutionOptions> options, ILogger<ErrorHandlingMiddleware> logger) : INodeMiddleware
{
    public int Order => NodeMiddlewareOrder.ErrorHandling;

    public async ValueTask<NodeExecution> InvokeAsync(NodeInvocation invocation, NodeDelegate next)
    {
        var runToken = invocation.CancellationToken;
        var timeout = options.Value.NodeTimeout;
        // The node's token: cancelled with the run, or when the node times out. The timer is armed only once the node turns
        // out to be asynchronous: most nodes and every cache hit finish synchronously and never need one (a timer per node
        // was a measurable share of a cached run's allocations, bench/WorkflowBench).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        using var timer = new NodeTimer(stop, timeout, time);
        try
        {
            var pending = next(invocation.WithCancellation(stop.Token));
            if (pending.IsCompletedSuccessfully)
            {
                return pending.Result;
            }
            timer.Start();
            // WaitAsync returns on timeout even when a node ignores its token; the node is asked to stop through the same token.
            return await pending.AsTask().WaitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (timer.Fired && ex is OperationCanceledException or TimeoutException)
        {
            Log.NodeTimedOut(logger, invocation.Run.RunId, invocation.Node.Id, timeout.TotalSeconds);
            throw new NodeExecutionException(invocation.Node.Id,
                $"'{invocation.Node.Title}' took longer than {FormatSeconds(timeout)} and was stopped.", ex);
        }
        catch (NodeExecutionException)
        {
            throw;
        }
        catch (Exception ex)
        {
            Log.NodeFailed(logger, ex, invocation.Run.RunId, invocation.Node.Id, invocation.Node.Type);
            throw new NodeExecutionException(invocation.Node.Id, Describe(invocation, ex), ex);
        }
    }

    /// <summary>Cancels a node's token after the node timeout, on the injected clock; started only for asynchronous nodes.</summary>
    private sealed class NodeTimer(CancellationTokenSource stop, TimeSpan timeout, TimeProvider time) : IDisposable
    {
        private readonly CancellationTokenSource _stop = stop;
        private ITimer? _timer;
        private volatile bool _fired;

        public bool Fired => _fired;

        public void Start() => _timer = time.CreateTimer(static state =>
        {
            var self = (NodeTimer)state!;
            self._fired = true;
            try
            {
                self._stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The node finished in the meantime.
            }
        }, this, timeout, Timeout.InfiniteTimeSpan);

        public void Dispose() => _timer?.Dispose();
    }

    /// <summary>A plain-language message for a node's exception: the exception's own message where it is written for people,
    /// a generic one for programming errors (whose messages mean nothing to a user).</summary>
    public static string Describe(NodeInvocation invocation, Exception exception) => Describe(invocation.Node.Title, exception);

    internal static string Describe(string title, Exception exception) => exception switch
    {
        NodeExecutionException => exception.Message,
        JsonException => $"'{title}' has settings of the wrong kind (e.g. text where a number belongs): {FirstSentence(exception.Message)}",
        TemplateSyntaxException => $"'{title}': {exception.Message}",
        NullReferenceException or IndexOutOfRangeException or InvalidCastException or ArgumentOutOfRangeException or NotImplementedException
            => $"'{title}' failed because of an internal error ({exception.GetType().Name}); the details are in the log.",
        OperationCanceledException or TimeoutException => $"'{title}' was stopped before it finished: {exception.Message}",
        _ => $"'{title}' failed: {exception.Message}",
    };

    internal static string FormatSeconds(TimeSpan span) =>
        span.TotalSeconds.ToString(span.TotalSeconds >= 1 ? "0.#" : "0.###", CultureInfo.InvariantCulture) + " s";

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
