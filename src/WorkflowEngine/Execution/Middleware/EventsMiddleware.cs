using System.Text;
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
                execution.Cache, Preview(result.Outputs, options.Value.OutputPreviewLength), result.Usage, result.Details, result.ActivePort)).ConfigureAwait(false);
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

    /// <summary>The outputs as compact JSON, cut to <paramref name="maxLength"/> characters with an ellipsis. Decodes only the
    /// part of the outputs' UTF-8 that the preview shows (a long answer is not copied into a string to be cut).</summary>
    public static string Preview(NodeOutputs outputs, int maxLength)
    {
        var utf8 = outputs.Utf8;
        if (maxLength <= 0 || utf8.Length <= maxLength)
        {
            // No more bytes than characters allowed: it fits whole.
            return Encoding.UTF8.GetString(utf8);
        }
        // Decode at most maxLength + 1 characters (the one more tells whether there is more), straight from the JSON's bytes.
        var chars = maxLength < 512 ? stackalloc char[maxLength + 2] : new char[maxLength + 2];
        Encoding.UTF8.GetDecoder().Convert(utf8, chars, flush: true, out var bytesUsed, out var charsUsed, out _);
        if (bytesUsed == utf8.Length && charsUsed <= maxLength)
        {
            return new string(chars[..charsUsed]);
        }
        var cut = Math.Min(maxLength, charsUsed);
        if (char.IsHighSurrogate(chars[cut - 1]))
        {
            cut--;
        }
        return string.Concat(chars[..cut], "…");
    }
}
