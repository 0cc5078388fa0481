using Microsoft.Extensions.Options;
using WorkflowEngine.Events;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Execution.Middleware;

/// <summary>Outermost: reports NodeStarted, then NodeSucceeded (elapsed, cache outcome, output preview, tokens) or NodeFailed, timed
/// with the injected <see cref="TimeProvider"/>. A cache hit is reported like any success, with its outcome.</summary>
public sealed class EventsMiddleware(TimeProvider time, IOptions<ExecutionOptions> options) : INodeMiddleware
{
    public int Order => NodeMiddlewareOrder.Events;

    public async ValueTask<NodeExecution> InvokeAsync(NodeInvocation invocation, NodeDelegate next)
    {
        var node = invocation.Node;
        var run = invocation.Run;
        var started = time.GetTimestamp();
        await run.PublishAsync(new NodeStarted(run.RunId, time.GetUtcNow(), node.Id, node.Type, node.Title)).ConfigureAwait(false);
        try
        {
            var execution = await next(invocation).ConfigureAwait(false);
            var result = execution.Result;
            await run.PublishAsync(new NodeSucceeded(run.RunId, time.GetUtcNow(), node.Id, node.Type, time.GetElapsedTime(started),
                execution.Cache, Preview(result.Outputs, options.Value.OutputPreviewLength), result.Usage, result.Details)).ConfigureAwait(false);
            return execution;
        }
        catch (Exception ex)
        {
            var message = ex switch
            {
                OperationCanceledException when invocation.CancellationToken.IsCancellationRequested => "Stopped: the run was cancelled.",
                NodeExecutionException => ex.Message,
                _ => ErrorHandlingMiddleware.Describe(invocation, ex),
            };
            await run.PublishAsync(new NodeFailed(run.RunId, time.GetUtcNow(), node.Id, node.Type, time.GetElapsedTime(started), message)).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The outputs as compact JSON, cut to <paramref name="maxLength"/> characters with an ellipsis.</summary>
    public static string Preview(NodeOutputs outputs, int maxLength)
    {
        var json = outputs.ToJson();
        if (maxLength <= 0 || json.Length <= maxLength)
        {
            return json;
        }
        var cut = maxLength;
        if (char.IsHighSurrogate(json[cut - 1]))
        {
            cut--;
        }
        return string.Concat(json.AsSpan(0, cut), "…");
    }
}
