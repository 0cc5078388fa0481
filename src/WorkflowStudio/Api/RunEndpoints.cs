using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Nodes;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Api;

/// <summary>Running a saved workflow (admin key or one of the workflow's run keys).</summary>
internal static class RunEndpoints
{
    private const string StreamDescription =
        "A `text/event-stream` of events, each `event: <name>` and one `data:` line of JSON:\n"
        + "- `node`: a step finished, skipped or failed (a `RunTraceEntry`);\n"
        + "- `token`: a piece of the answer as the model writes it (`TokenEvent`);\n"
        + "- `done`: the run succeeded; the same body as `/run` (`RunResponse`), last;\n"
        + "- `error`: the run failed; an `ApiProblem` with `runId` and `failedNodeId`, last.\n"
        + "Errors found before the run starts (bad body, unknown workflow, key) are answered as problems instead of a stream.";

    public static RouteGroupBuilder MapWorkflowRuns(this RouteGroupBuilder group)
    {
        group.MapPost("/workflows/{id}/run", RunAsync).WithName("runWorkflow")
            .WithSummary("Asks the workflow a question; answers with the run id, conversation id, answer and per-node trace (a run key sees each node's status, cache outcome and timing only).")
            .Accepts<RunBody>("application/json").Produces<RunResponse>()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status422UnprocessableEntity, StatusCodes.Status500InternalServerError, StatusCodes.Status502BadGateway, StatusCodes.Status503ServiceUnavailable);
        group.MapPost("/workflows/{id}/run/stream", StreamAsync).WithName("streamWorkflowRun")
            .WithSummary("Like /run, as Server-Sent Events.")
            .WithDescription(StreamDescription)
            .Accepts<RunBody>("application/json").Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    public static RouteGroupBuilder MapRunFeedback(this RouteGroupBuilder group)
    {
        group.MapPost("/runs/{runId}/feedback", FeedbackAsync).WithName("sendRunFeedback")
            .WithSummary("Reports whether a run's answer was right. {\"correct\": false}: the answer is dropped from the response cache on every instance, and the question is never again matched to the cached question whose answer it got; {\"correct\": true} is acknowledged (204) and changes nothing.")
            .WithDescription(FeedbackDescription)
            .Accepts<FeedbackBody>("application/json").Produces<FeedbackResponse>().Produces(StatusCodes.Status204NoContent)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge);
        return group;
    }

    private const string FeedbackDescription =
        "The admin key, or a run key of the run's workflow (a run of another workflow is answered 404, like an unknown run). "
        + "A run can be reported once it is recorded, a moment after its answer. An answer the run wrote itself (a cache miss) was stored "
        + "in the cache, so it is dropped too; a run whose answer the response cache never saw (no cache gate, or the gate let it through) "
        + "is answered 409.";

    private static async Task<IResult> FeedbackAsync(string runId, HttpContext http, RunHistory history, RunFeedback feedback, IOptions<ApiOptions> options)
    {
        var (body, problem) = await ApiBody.ReadJsonAsync<FeedbackBody>(http.Request, options.Value.MaxBodyBytes, http.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }
        if (body!.Correct is not { } correct)
        {
            return ApiProblems.BadRequest("Say whether the answer was right: send { \"correct\": false } for a wrong answer (or true for a right one).");
        }
        var run = await history.GetAsync(runId, http.RequestAborted);
        if (run is null || ApiAccess.RunKeyWorkflow(http) is { } keyWorkflow && keyWorkflow != run.Run.WorkflowId)
        {
            return ApiProblems.NotFound($"There is no run '{runId}' for this key. A run can be reported a moment after its answer, once it is recorded.");
        }
        if (correct)
        {
            return TypedResults.NoContent();
        }
        if (await feedback.ReportWrongAsync(run.Run.WorkflowId, run.Trace, http.RequestAborted) is not { } report)
        {
            return ApiProblems.Create(StatusCodes.Status409Conflict, "Not from the cache",
                "This answer did not come from the response cache and was not stored in it, so there is nothing to drop. Change the workflow (its prompt or knowledge) to change such answers.");
        }
        var message = (report.Served, report.PairBlocked) switch
        {
            (true, true) => "The answer was dropped from the cache on every instance, and this question will not be matched to the question it was answered for again.",
            (true, false) => "The answer was dropped from the cache on every instance; the next time this question is asked, the workflow works it out again.",
            _ => "This answer did not come from the cache, but it had been stored there: it was dropped on every instance, so the next time this question is asked the workflow works it out again.",
        };
        return TypedResults.Ok(new FeedbackResponse(runId, report.Served, report.PairBlocked, message));
    }

    private static async Task<IResult> RunAsync(string id, HttpContext http, PublishedWorkflows workflows, WorkflowRunService runs, IOptions<ApiOptions> options)
    {
        var (start, problem) = await PrepareAsync(id, http, workflows, runs, options.Value, readsEvents: false);
        if (problem is not null)
        {
            return problem;
        }
        // The run goes on if the caller disconnects (it is still recorded), so its outcome is awaited without the request's token.
        var run = await start!.Completion;
        var runKey = ApiAccess.IsRunKeyCaller(http);
        return run.Succeeded ? RunAnswerJson.Result(run, runKey) : Failure(run, runKey, http.RequestServices.GetRequiredService<NodeRegistry>());
    }

    private static async Task StreamAsync(string id, HttpContext http, PublishedWorkflows workflows, WorkflowRunService runs, IOptions<ApiOptions> options)
    {
        var (start, problem) = await PrepareAsync(id, http, workflows, runs, options.Value, readsEvents: true);
        if (problem is not null)
        {
            await problem.ExecuteAsync(http);
            return;
        }
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var runKey = ApiAccess.IsRunKeyCaller(http);
        try
        {
            await foreach (var e in start!.ReadEventsAsync(http.RequestAborted))
            {
                switch (e)
                {
                    case NodeSucceeded or NodeFailed or NodeSkipped:
                        var entry = RunTraceEntry.From(start.Trace.Find(((NodeEvent)e).NodeId)!);
                        await WriteEventAsync(response, "node", runKey ? RunStepSummary.Of(entry) : (object)entry, http.RequestAborted);
                        break;
                    case TokenStreamed t:
                        await WriteEventAsync(response, "token", new TokenEvent(t.NodeId, t.Text), http.RequestAborted);
                        break;
                }
            }
            var run = await start.Completion;
            if (run.Succeeded)
            {
                await WriteEventAsync(response, "done", RunAnswerJson.ToUtf8(run, runKey), http.RequestAborted);
            }
            else
            {
                var (status, title) = FailureKind(run, http.RequestServices.GetRequiredService<NodeRegistry>());
                await WriteEventAsync(response, "error", new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = status,
                    Title = title,
                    Detail = FailureDetail(run, runKey),
                    Extensions = { ["runId"] = run.RunId, ["failedNodeId"] = run.FailedNodeId },
                }, http.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The caller left; the run finishes and is recorded without them.
        }
    }

    private static async Task<(RunHandle? Run, IResult? Problem)> PrepareAsync(string id, HttpContext http, PublishedWorkflows workflows, WorkflowRunService runs, ApiOptions options, bool readsEvents)
    {
        var (body, problem) = await ApiBody.ReadJsonAsync<RunBody>(http.Request, options.MaxBodyBytes, http.RequestAborted);
        if (problem is not null)
        {
            return (null, problem);
        }
        var query = body!.Query;
        if (string.IsNullOrWhiteSpace(query))
        {
            return (null, ApiProblems.BadRequest("Ask a question: send { \"query\": \"...\" }."));
        }
        if (query.Length > options.MaxQueryLength)
        {
            return (null, ApiProblems.BadRequest(
                $"The question is too long: it has {ApiProblems.Number(query.Length)} characters and the limit is {ApiProblems.Number(options.MaxQueryLength)}.",
                new Dictionary<string, object?> { ["limit"] = options.MaxQueryLength }));
        }
        var conversationId = body.ConversationId;
        if (conversationId is not null && (conversationId.Length is 0 or > 100 || !conversationId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')))
        {
            return (null, ApiProblems.BadRequest("conversationId must be 1 to 100 letters, digits, '-', '_', '.' or ':'."));
        }
        if (await workflows.GetAsync(id, http.RequestAborted) is not { } graph)
        {
            return (null, WorkflowEndpoints.WorkflowNotFound(id));
        }
        if (await FirstIndexingAsync(graph, http) is { } indexing)
        {
            // Not an answer from part of the knowledge base (which the response cache would then keep): a retry shortly.
            http.Response.Headers.RetryAfter = "5";
            return (null, ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "Still indexing", indexing.Message));
        }
        if (conversationId is not null && await runs.BelongsToAnotherWorkflowAsync(id, conversationId, http.RequestAborted))
        {
            // Neither read nor extended; the answer does not say which workflow it belongs to.
            return (null, ConversationNotFound(conversationId));
        }
        var request = new RunRequest(id, query) { ConversationId = conversationId ?? RandomIds.New(), IsNewConversation = conversationId is null };
        return (runs.Start(graph, request, RunSources.Api, onCallerFlow: true, startedBy: ApiAccess.CallerOf(http), readsEvents: readsEvents), null);
    }

    /// <summary>The first knowledge base the workflow reads that is still in its first indexing; null when none is.</summary>
    private static async Task<FirstIndexing?> FirstIndexingAsync(WorkflowGraph graph, HttpContext http)
    {
        var search = http.RequestServices.GetRequiredService<IKnowledgeSearch>();
        foreach (var knowledgeBaseId in http.RequestServices.GetRequiredService<WorkflowCompiler>().Compile(graph).KnowledgeBaseIds)
        {
            if (await search.GetFirstIndexingAsync(knowledgeBaseId, http.RequestAborted) is { } indexing)
            {
                return indexing;
            }
        }
        return null;
    }

    private static IResult ConversationNotFound(string conversationId) =>
        ApiProblems.Create(StatusCodes.Status404NotFound, "Conversation not found",
            $"There is no conversation '{conversationId}' for this workflow. Leave conversationId out to start a new one.");

    /// <summary>The run's error for the admin key. A run key gets a plain sentence: errors name provider URLs, models and
    /// settings; the workflow's owner finds the details under the run id.</summary>
    private static string FailureDetail(CompletedRun run, bool runKey) => !runKey
        ? run.Error ?? "The run failed."
        : run.Status == "cancelled"
            ? "The run was stopped; try again."
            : $"The workflow could not answer this question. Its owner can look the run up by its id ({run.RunId}).";

    private static (int Status, string Title) FailureKind(CompletedRun run, NodeRegistry registry) => run switch
    {
        { Status: "cancelled" } => (StatusCodes.Status503ServiceUnavailable, "The run was stopped"),
        { FailedNodeType: { } type } when registry.Find(type)?.Metadata.CallsModel == true => (StatusCodes.Status502BadGateway, "The language model could not answer"),
        // No node started: the graph itself was refused (validation).
        _ when run.Trace.All(t => t.Status != RunTraceEntry.Failed) && run.FailedNodeId is not null || run.Trace.Count == 0
            => (StatusCodes.Status422UnprocessableEntity, "The workflow cannot run"),
        _ => (StatusCodes.Status500InternalServerError, "A step of the workflow failed"),
    };

    private static IResult Failure(CompletedRun run, bool runKey, NodeRegistry registry)
    {
        var (status, title) = FailureKind(run, registry);
        return ApiProblems.Create(status, title, FailureDetail(run, runKey),
            new Dictionary<string, object?> { ["runId"] = run.RunId, ["failedNodeId"] = run.FailedNodeId });
    }

    private static Task WriteEventAsync<T>(HttpResponse response, string name, T data, CancellationToken cancellationToken) =>
        WriteEventAsync(response, name, JsonSerializer.SerializeToUtf8Bytes(data, ApiBody.Json), cancellationToken);

    private static async Task WriteEventAsync(HttpResponse response, string name, byte[] json, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"event: {name}\ndata: ", cancellationToken);
        await response.Body.WriteAsync(json, cancellationToken);
        await response.WriteAsync("\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
