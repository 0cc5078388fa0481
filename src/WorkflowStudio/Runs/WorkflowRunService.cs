using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using WorkflowEngine.Caching;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;

namespace WorkflowStudio.Runs;

/// <summary>Where a run came from, as stored with it.</summary>
public static class RunSources
{
    public const string Studio = "studio";
    public const string Api = "api";
}

/// <summary>How a run ended, with its trace: the body of the API's <c>/run</c> answer and of the studio's trace view.</summary>
/// <param name="Status">succeeded, failed or cancelled.</param>
/// <param name="FailedNodeType">The type key of the node that failed (e.g. <c>llm</c>), when one did.</param>
public sealed record CompletedRun(
    string RunId,
    string WorkflowId,
    string ConversationId,
    string Query,
    string Status,
    string? Answer,
    string? Error,
    string? FailedNodeId,
    string? FailedNodeType,
    DateTimeOffset StartedAt,
    double ElapsedMs,
    IReadOnlyList<RunTraceEntry> Trace)
{
    public bool Succeeded => Status == "succeeded";

    public int CacheHits => Trace.Count(t => t.IsCacheHit);

    /// <summary>Time the cache saved: the last measured miss time of every node served from cache.</summary>
    public double SavedMs => Trace.Where(t => t.IsCacheHit).Sum(t => t.SavedMs ?? 0);
}

/// <summary>A run in progress. Its events can be read while it runs (each reader's token only stops that reader); the run
/// itself continues until it ends or the token given to <see cref="WorkflowRunService.Start"/> is cancelled.</summary>
public sealed class RunHandle
{
    private readonly Channel<WorkflowEvent>? _events;

    internal RunHandle(string runId, string conversationId, Channel<WorkflowEvent>? events, RunTraceBuilder trace, Task<CompletedRun> completion, Task recorded)
    {
        RunId = runId;
        Trace = trace;
        ConversationId = conversationId;
        _events = events;
        Completion = completion;
        Recorded = recorded;
    }

    public string RunId { get; }

    public string ConversationId { get; }

    /// <summary>The run's trace so far, folded from its events as they happen (the same fold the recorded run keeps).</summary>
    public RunTraceBuilder Trace { get; }

    /// <summary>Ends when the run has ended and the conversation memory is updated. Never faults.</summary>
    public Task<CompletedRun> Completion { get; }

    /// <summary>Ends when the run is stored in the database (or storing it failed, which is logged). Never faults.</summary>
    public Task Recorded { get; }

    /// <summary>The engine's events as they happen, ending with <see cref="RunCompleted"/>. Read once; stopping early
    /// (or cancelling <paramref name="cancellationToken"/>) leaves the run running.</summary>
    /// <exception cref="InvalidOperationException">The run was started with <c>readsEvents: false</c>.</exception>
    public async IAsyncEnumerable<WorkflowEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_events is null)
        {
            throw new InvalidOperationException("This run was started without its events (readsEvents: false); await Completion instead.");
        }
        await foreach (var e in _events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }
}

/// <summary>
/// Runs workflows for the studio's test chat and the HTTP API: a saved workflow or the editor's unsaved graph. For each run it
/// loads the conversation's earlier turns from the conversation memory (cache kind <c>memory</c>, per workflow and conversation,
/// in Redis when configured),
/// runs the engine off the caller's flow, hands the events to the caller as they happen, then appends the question and answer
/// to the memory and records the run with its per-node trace in the database (kept bounded per workflow). A caller that goes away
/// does not stop the run: it is still finished and recorded; only the token passed to <see cref="Start"/> cancels it.
/// </summary>
public sealed class WorkflowRunService(
    WorkflowRunner runner,
    ConversationMemoryCache memory,
    RunRecorder recorder,
    IOptions<RunOptions> options,
    TimeProvider time,
    ILogger<WorkflowRunService> logger)
{
    /// <summary>Starts a run and returns at once. <paramref name="request"/>'s history is used as given when it has turns;
    /// otherwise it is loaded from the conversation memory.</summary>
    /// <param name="workflowName">Stored with the run (default: the graph's name).</param>
    /// <param name="source"><see cref="RunSources.Studio"/> or <see cref="RunSources.Api"/>.</param>
    /// <param name="cancellationToken">Cancels the run itself (the stop button); the run still ends with RunCompleted (Cancelled) and is recorded.</param>
    /// <param name="onCallerFlow">Start the run on the caller's flow instead of a thread-pool thread: for a caller with no
    /// synchronization context to leave (an HTTP request), which saves a thread-pool hop per run. The run still does not stop
    /// when the caller goes away.</param>
    /// <param name="startedBy">Who asked (<see cref="Accounts.Actors"/>), stored with the run.</param>
    /// <param name="readsEvents">False for a caller that only awaits <see cref="RunHandle.Completion"/> (the API's <c>/run</c>):
    /// the events then go to the trace only, not into a queue nobody reads.</param>
    public RunHandle Start(WorkflowGraph graph, RunRequest request, string source = RunSources.Studio, string? workflowName = null, CancellationToken cancellationToken = default,
        bool onCallerFlow = false, string? startedBy = null, bool readsEvents = true)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(request);
        var events = readsEvents ? Channel.CreateUnbounded<WorkflowEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }) : null;
        var recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var trace = new RunTraceBuilder(graph);
        var completion = onCallerFlow && SynchronizationContext.Current is null
            ? RunAsync(graph, request, new RunOrigin(source, workflowName ?? graph.Name, startedBy), trace, events?.Writer, recorded, cancellationToken)
            : Task.Run(() => RunAsync(graph, request, new RunOrigin(source, workflowName ?? graph.Name, startedBy), trace, events?.Writer, recorded, cancellationToken), CancellationToken.None);
        return new RunHandle(request.RunId, request.ConversationId, events, trace, completion, recorded.Task);
    }

    /// <summary>Starts a run and yields its events; leaving the loop stops reading only, the run is still finished and recorded.</summary>
    public IAsyncEnumerable<WorkflowEvent> RunAsync(WorkflowGraph graph, RunRequest request, string source = RunSources.Studio, CancellationToken readCancellation = default) =>
        Start(graph, request, source).ReadEventsAsync(readCancellation);

    /// <summary>Runs to the end and returns the outcome with its trace (the run is recorded in the background).</summary>
    public Task<CompletedRun> RunToCompletionAsync(WorkflowGraph graph, RunRequest request, string source = RunSources.Studio, CancellationToken cancellationToken = default) =>
        Start(graph, request, source, cancellationToken: cancellationToken).Completion;

    private async Task<CompletedRun> RunAsync(WorkflowGraph graph, RunRequest request, RunOrigin origin, RunTraceBuilder trace,
        ChannelWriter<WorkflowEvent>? events, TaskCompletionSource recorded, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        RunCompleted? completed = null;
        // True when request.History is what the conversation memory held at the start (so appending need not read it again).
        var memoryRead = false;
        try
        {
            if (request.History.Count == 0 && !request.IsNewConversation)
            {
                request = request with { History = await LoadHistoryAsync(request.WorkflowId, request.ConversationId, cancellationToken).ConfigureAwait(false) };
                memoryRead = true;
            }
            else if (request.IsNewConversation && request.History.Count == 0)
            {
                memoryRead = true;
            }
            // On the run's own flow (no event channel in between): the events go to the trace and to this handle's readers.
            var order = new Lock();
            await runner.RunWithEventsAsync(graph, request, e =>
            {
                // In order, one writer at a time; folded before it is handed on, so a reader of the event finds the node's
                // entry in the trace.
                lock (order)
                {
                    trace.Apply(e);
                    if (e is RunCompleted c)
                    {
                        completed = c;
                    }
                    events?.TryWrite(e);
                }
                return ValueTask.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The runner never throws; this guards the memory read and our own bookkeeping.
            Log.RunServiceFailed(logger, ex, request.RunId);
        }
        if (completed is null)
        {
            completed = new RunCompleted(request.RunId, time.GetUtcNow(),
                cancellationToken.IsCancellationRequested ? RunStatus.Cancelled : RunStatus.Failed, time.GetUtcNow() - startedAt, null,
                cancellationToken.IsCancellationRequested ? "The run was cancelled." : "The run failed unexpectedly; the details are in the log.", null);
            events?.TryWrite(completed);
        }
        var run = new CompletedRun(request.RunId, request.WorkflowId, request.ConversationId, request.Query,
            completed.Status.ToString().ToLowerInvariant(), completed.Answer, completed.Error, completed.FailedNodeId,
            completed.FailedNodeId is { } failed ? graph.FindNode(failed)?.Type : null,
            startedAt, completed.Elapsed.TotalMilliseconds, [.. trace.Entries.Select(RunTraceEntry.From)]);

        if (run.Succeeded && run.Answer is not null)
        {
            try
            {
                // Not cancellable: the answer was given, so the conversation must remember it.
                ChatTurn[] turns = [new ChatTurn(ChatTurn.User, request.Query), new ChatTurn(ChatTurn.Assistant, run.Answer)];
                await (memoryRead
                    ? memory.AppendAsync(request.WorkflowId, request.ConversationId, request.History, turns, options.Value.MemoryTurns, CancellationToken.None)
                    : memory.AppendAsync(request.WorkflowId, request.ConversationId, turns, options.Value.MemoryTurns, CancellationToken.None)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.MemoryUpdateFailed(logger, ex, request.ConversationId);
            }
        }
        events?.TryComplete();
        // Waits only while the recorder's queue is full, so a database that falls behind slows runs down instead of losing them.
        await QueueRecordAsync(run, origin, recorded).ConfigureAwait(false);
        return run;
    }

    /// <summary>True when <paramref name="conversationId"/> is a live conversation of another workflow: the caller must not
    /// continue it here (its turns are never read across workflows in any case: the memory is keyed by workflow).
    /// False when the memory cannot be read, since the run then sees no other workflow's turns either.</summary>
    public async ValueTask<bool> BelongsToAnotherWorkflowAsync(string workflowId, string conversationId, CancellationToken cancellationToken)
    {
        try
        {
            return await memory.IsOwnedByAnotherAsync(workflowId, conversationId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.MemoryReadFailed(logger, ex, conversationId);
            return false;
        }
    }

    private async Task<IReadOnlyList<ChatTurn>> LoadHistoryAsync(string workflowId, string conversationId, CancellationToken cancellationToken)
    {
        try
        {
            return await memory.GetAsync(workflowId, conversationId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Memory trouble must not stop a question from being answered; the answer just lacks earlier context.
            Log.MemoryReadFailed(logger, ex, conversationId);
            return [];
        }
    }

    private async Task QueueRecordAsync(CompletedRun run, RunOrigin origin, TaskCompletionSource recorded)
    {
        try
        {
            await recorder.QueueAsync(run, origin.Source, origin.WorkflowName, origin.StartedBy, recorded).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.RunRecordFailed(logger, ex, run.RunId);
            recorded.TrySetResult();
        }
    }

    /// <summary>What is stored with a run besides its outcome: where it came from, the workflow's name then, and who asked.</summary>
    private sealed record RunOrigin(string Source, string WorkflowName, string? StartedBy);
}
