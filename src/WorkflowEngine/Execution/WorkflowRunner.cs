using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using WorkflowEngine.Caching;
using WorkflowEngine.Events;
using WorkflowEngine.Execution.Middleware;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Execution;

/// <summary>
/// Runs workflow graphs. Nodes run one at a time in topological order; each node reads earlier outputs by node id from the
/// <see cref="RunContext"/>. A node runs when at least one edge into it is active: an edge is active when its source ran and,
/// if the source chose an output port (the cache gate's hit/miss), the edge leaves from that port. Other nodes are skipped, with
/// the reason (e.g. "bypassed: answered from cache"). Every node runs inside the middleware pipeline (events and timing, error
/// handling with the per-node timeout, caching). A failing node fails its run only; runs share no state. Thread-safe singleton.
/// </summary>
public sealed class WorkflowRunner
{
    private readonly NodeFactory _nodes;
    private readonly WorkflowCompiler _compiler;
    private readonly TimeProvider _time;
    private readonly ILogger<WorkflowRunner> _logger;
    private readonly NodeDelegate _pipeline;

    public WorkflowRunner(NodeFactory nodes, WorkflowCompiler compiler, IEnumerable<INodeMiddleware> middleware, TimeProvider time, ILogger<WorkflowRunner> logger)
    {
        _nodes = nodes;
        // Validating a graph and ordering its nodes cost more than a whole cached run (bench/WorkflowBench, docs/benchmarks.md
        // "Caching"): the compiler works both out once per graph instance.
        _compiler = compiler;
        _time = time;
        _logger = logger;
        Middleware = [.. middleware.Select((m, i) => (m, i)).OrderBy(x => x.m.Order).ThenBy(x => x.i).Select(x => x.m)];
        _pipeline = BuildPipeline(Middleware, nodes.Registry);
    }

    /// <summary>The node middleware in pipeline order, outermost first.</summary>
    public IReadOnlyList<INodeMiddleware> Middleware { get; }

    /// <summary>Runs the graph and yields its events as they happen, ending with <see cref="RunCompleted"/>. Events are buffered,
    /// so a slow consumer never slows or breaks the run. Cancelling <paramref name="cancellationToken"/> stops the run, which
    /// still yields its final RunCompleted (Cancelled); leaving the loop early cancels the run.</summary>
    public async IAsyncEnumerable<WorkflowEvent> RunAsync(WorkflowGraph graph, RunRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(request);
        var channel = Channel.CreateUnbounded<WorkflowEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = Task.Run(async () =>
        {
            try
            {
                await ExecuteAsync(graph, request, e =>
                {
                    channel.Writer.TryWrite(e);
                    return ValueTask.CompletedTask;
                }, stop.Token).ConfigureAwait(false);
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, CancellationToken.None);
        try
        {
            // Read without the caller's token: after a cancellation the run still reports RunCompleted (Cancelled).
            await foreach (var e in channel.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                yield return e;
            }
        }
        finally
        {
            if (!run.IsCompleted)
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }
            await run.ConfigureAwait(false);
        }
    }

    /// <summary>Runs the graph on the caller's flow, with no channel or thread hop in between: <paramref name="onEvent"/> sees
    /// every event as it happens, in order, ending with <see cref="RunCompleted"/> (keep it quick; it runs inside the run).
    /// Never throws. For hosts that keep their own trace (the studio's run service): under 32 concurrent API clients the
    /// event channel of <see cref="RunAsync"/> cost a thread-pool hop per event, about twenty per run.</summary>
    public async Task RunWithEventsAsync(WorkflowGraph graph, RunRequest request, Func<WorkflowEvent, ValueTask> onEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(onEvent);
        await ExecuteAsync(graph, request, onEvent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the graph to its end and returns the result with a trace of every node.</summary>
    public Task<RunResult> RunToCompletionAsync(WorkflowGraph graph, RunRequest request, CancellationToken cancellationToken = default) =>
        RunToCompletionAsync(graph, request, null, cancellationToken);

    /// <summary>Runs the graph to its end; <paramref name="onEvent"/> sees every event as it happens, on the run's own flow
    /// (keep it quick, or use <see cref="RunAsync"/>).</summary>
    public async Task<RunResult> RunToCompletionAsync(WorkflowGraph graph, RunRequest request, Func<WorkflowEvent, ValueTask>? onEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(request);
        var trace = new RunTraceBuilder(graph);
        var context = await ExecuteAsync(graph, request, async e =>
        {
            trace.Apply(e);
            if (onEvent is not null)
            {
                await onEvent(e).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        var completed = trace.Completed!;
        return new RunResult(request.RunId, completed.Status, completed.Answer, completed.Error, completed.FailedNodeId, completed.Elapsed,
            trace.Entries, context?.Outputs.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal) ?? []);
    }

    /// <summary>The run itself. Never throws: every outcome ends in a published <see cref="RunCompleted"/>.</summary>
    private async Task<RunContext?> ExecuteAsync(WorkflowGraph graph, RunRequest request, Func<WorkflowEvent, ValueTask> publish, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        RunContext? run = null;
        try
        {
            await publish(new RunStarted(request.RunId, _time.GetUtcNow(), request.WorkflowId, request.ConversationId, request.Query)).ConfigureAwait(false);
            Log.RunStarted(_logger, request.RunId, request.WorkflowId);

            // The same checks the studio shows before saving: a graph that fails them never starts.
            var workflow = _compiler.Compile(graph);
            var problems = workflow.Problems;
            if (problems.Count > 0)
            {
                Log.RunRefused(_logger, request.RunId, string.Join("; ", problems.Select(p => p.Message)));
                var message = problems.Count == 1
                    ? $"The workflow cannot run: {problems[0].Message}"
                    : $"The workflow cannot run ({problems.Count} problems): {string.Join(" ", problems.Select(p => p.Message))}";
                await Complete(RunStatus.Failed, null, message, problems[0].NodeId).ConfigureAwait(false);
                return null;
            }

            run = new RunContext(workflow, request, publish, _time);
            var plan = workflow.Plan;
            var ran = new Dictionary<string, (NodeContext Context, NodeResult Result, Node Node)>(plan.Nodes.Length, StringComparer.Ordinal);
            var skipped = new Dictionary<string, string>(plan.Nodes.Length, StringComparer.Ordinal);

            foreach (var node in plan.Nodes)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    await Complete(RunStatus.Cancelled, null, "The run was cancelled.", null).ConfigureAwait(false);
                    return run;
                }
                if (SkipReason(plan, node, ran, skipped) is { } reason)
                {
                    skipped[node.Id] = reason;
                    await publish(new NodeSkipped(request.RunId, _time.GetUtcNow(), node.Id, node.Type, reason)).ConfigureAwait(false);
                    continue;
                }

                var (implementation, metadata) = _nodes.Find(node.Type)!.Value;
                var nodeContext = new NodeContext(run, node);
                PreparedNode prepared;
                try
                {
                    prepared = await implementation.PrepareAsync(nodeContext, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    await Complete(RunStatus.Cancelled, null, "The run was cancelled.", null).ConfigureAwait(false);
                    return run;
                }
                catch (Exception ex)
                {
                    // Reading settings or inputs failed before the pipeline could run: report it the way the pipeline would.
                    var message = ErrorHandlingMiddleware.Describe(node.Title, ex);
                    if (ex is not NodeExecutionException)
                    {
                        Log.NodeFailed(_logger, ex, request.RunId, node.Id, node.Type);
                    }
                    var now = _time.GetUtcNow();
                    await publish(new NodeStarted(request.RunId, now, node.Id, node.Type, node.Title)).ConfigureAwait(false);
                    await publish(new NodeFailed(request.RunId, now, node.Id, node.Type, TimeSpan.Zero, message)).ConfigureAwait(false);
                    await Complete(RunStatus.Failed, null, message, node.Id).ConfigureAwait(false);
                    return run;
                }

                NodeExecution execution;
                try
                {
                    execution = await _pipeline(new NodeInvocation(nodeContext, implementation, metadata, prepared, cancellationToken)).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    await Complete(RunStatus.Cancelled, null, "The run was cancelled.", null).ConfigureAwait(false);
                    return run;
                }
                catch (Exception ex)
                {
                    var message = ex is NodeExecutionException ? ex.Message : ErrorHandlingMiddleware.Describe(node.Title, ex);
                    if (ex is not NodeExecutionException)
                    {
                        Log.NodeFailed(_logger, ex, request.RunId, node.Id, node.Type);
                    }
                    await Complete(RunStatus.Failed, null, message, node.Id).ConfigureAwait(false);
                    return run;
                }
                run.SetOutputs(node.Id, execution.Result.Outputs);
                ran[node.Id] = (nodeContext, execution.Result, implementation);
            }

            NodeDefinition? answerNode = null;
            for (var i = plan.Nodes.Length - 1; i >= 0 && answerNode is null; i--)
            {
                if (_nodes.Registry.Find(plan.Nodes[i].Type)?.Metadata.EndsRunWithAnswer == true && ran.ContainsKey(plan.Nodes[i].Id))
                {
                    answerNode = plan.Nodes[i];
                }
            }
            if (answerNode is null)
            {
                await Complete(RunStatus.Failed, null, "The run ended without reaching an answer step: check the connections into the answer.", null).ConfigureAwait(false);
                return run;
            }
            var answer = ran[answerNode.Id].Result.Outputs.GetString("text") ?? "";

            // After-run work (the cache gate stores the answer) finishes before RunCompleted, so the next run can already use it.
            foreach (var (id, entry) in ran)
            {
                if (entry.Node is IRunCompletionParticipant participant)
                {
                    try
                    {
                        await participant.OnRunCompletedAsync(entry.Context, entry.Result, answer, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        Log.CompletionParticipantFailed(_logger, ex, request.RunId, id);
                    }
                }
            }
            await Complete(RunStatus.Succeeded, answer, null, null).ConfigureAwait(false);
            return run;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Complete(RunStatus.Cancelled, null, "The run was cancelled.", null).ConfigureAwait(false);
            return run;
        }
        catch (Exception ex)
        {
            Log.RunnerFailed(_logger, ex, request.RunId);
            await Complete(RunStatus.Failed, null, $"The run failed unexpectedly ({ex.GetType().Name}); the details are in the log.", null).ConfigureAwait(false);
            return run;
        }

        async Task Complete(RunStatus status, string? answer, string? error, string? failedNodeId)
        {
            var elapsed = _time.GetElapsedTime(started);
            Log.RunCompleted(_logger, request.RunId, request.WorkflowId, status.ToString(), elapsed.TotalMilliseconds);
            try
            {
                await publish(new RunCompleted(request.RunId, _time.GetUtcNow(), status, elapsed, answer, error, failedNodeId)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.RunnerFailed(_logger, ex, request.RunId);
            }
        }
    }

    /// <summary>Null when the node should run; otherwise why it is skipped. A node without incoming edges (the start) always runs.</summary>
    private static string? SkipReason(ExecutionPlan plan, NodeDefinition node,
        Dictionary<string, (NodeContext Context, NodeResult Result, Node Node)> ran, Dictionary<string, string> skipped)
    {
        var incoming = plan.IncomingEdges(node.Id);
        if (incoming.Length == 0)
        {
            return null;
        }
        string? reason = null;
        foreach (var edge in incoming)
        {
            if (ran.TryGetValue(edge.From, out var source))
            {
                var activePort = source.Result.ActivePort;
                if (edge.FromPort is null || activePort is null || string.Equals(edge.FromPort, activePort, StringComparison.Ordinal))
                {
                    return null;
                }
                reason ??= source.Result.BypassReason is { } bypass
                    ? $"bypassed: {bypass}"
                    : $"bypassed: '{source.Context.Node.Title}' continued on '{activePort}'";
            }
            else if (skipped.TryGetValue(edge.From, out var upstream))
            {
                reason ??= upstream;
            }
        }
        return reason ?? "bypassed: no step leads here";
    }

    private static NodeDelegate BuildPipeline(IReadOnlyList<INodeMiddleware> middleware, NodeRegistry registry)
    {
        NodeDelegate pipeline = async invocation =>
        {
            var result = await invocation.Prepared.ExecuteAsync(invocation.CancellationToken).ConfigureAwait(false);
            CheckPort(registry, invocation, result);
            return new NodeExecution(result, CacheOutcome.Bypass);
        };
        for (var i = middleware.Count - 1; i >= 0; i--)
        {
            var current = middleware[i];
            var next = pipeline;
            pipeline = invocation => current.InvokeAsync(invocation, next);
        }
        return pipeline;
    }

    /// <summary>A step that continues on a port it does not have (by its descriptor, for its settings) would silently skip
    /// everything after it; it fails instead, inside the pipeline, so the failure is reported and never cached.</summary>
    private static void CheckPort(NodeRegistry registry, NodeInvocation invocation, NodeResult result)
    {
        if (result.ActivePort is not { } port || registry.Find(invocation.Node.Type) is not { } descriptor)
        {
            return;
        }
        var ports = descriptor.OutputPortsOf(invocation.Prepared.Config);
        if (!ports.Contains(port, StringComparer.Ordinal))
        {
            throw new InvalidOperationException(ports.Count == 0
                ? $"it chose the output '{port}', but it has only one output."
                : $"it chose the output '{port}', which it does not have; its outputs are {string.Join(" or ", ports.Select(p => $"'{p}'"))}.");
        }
    }
}
