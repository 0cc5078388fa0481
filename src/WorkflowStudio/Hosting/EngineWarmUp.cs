using System.Diagnostics;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Llm;

namespace WorkflowStudio.Hosting;

/// <summary>
/// Runs the sample bot twice in the background at start-up (a miss, then a cache hit) under a workflow id of its own, so the
/// first question a user asks does not pay for compiling the engine's code: measured on a fresh studio, the first cache hit
/// took 29 ms and the next 0.5 ms, and the first miss spent 13 ms in the start step alone. Nothing of the user's is touched:
/// its cache entries sit under their own workflow id (and expire), its cache figures are dropped from the studio's statistics
/// (the engine's OpenTelemetry counters do count its few lookups, under that workflow id), and no run is recorded. When a real model is configured
/// the model step is left out, so start-up never calls (or pays for) a model. <c>Studio:WarmUp=false</c> turns it off.
/// </summary>
internal sealed class EngineWarmUp(
    WorkflowRunner runner, KnowledgeBaseService knowledgeBases, ILlmClientFactory llm, CacheStatistics statistics, IConfiguration configuration,
    ILogger<EngineWarmUp> logger)
    : BackgroundService
{
    internal const string Question = "How do I get a refund?";

    /// <summary>Completes when the warm-up has run (or failed, or was turned off); for tests.</summary>
    internal Task Completed => _completed.Task;

    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (!configuration.GetValue("Studio:WarmUp", true))
            {
                return;
            }
            var started = Stopwatch.GetTimestamp();
            var knowledgeBaseId = await knowledgeBases.EnsureSampleAsync(stoppingToken);
            await knowledgeBases.WaitForIndexingAsync(knowledgeBaseId, stoppingToken);
            var graph = Graph(knowledgeBaseId, llm.Default.IsOffline);
            var workflowId = "warm-up-" + Guid.NewGuid().ToString("n");
            for (var i = 0; i < 2; i++)
            {
                await runner.RunToCompletionAsync(graph, new RunRequest(workflowId, Question), stoppingToken);
            }
            // Its figures would show on the Cache page as a workflow nobody made; its few entries simply expire.
            statistics.Reset(workflowId);
            Log.EngineWarmedUp(logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The studio is stopping.
        }
        catch (Exception ex)
        {
            Log.EngineWarmUpFailed(logger, ex);
        }
        finally
        {
            _completed.TrySetResult();
        }
    }

    /// <summary>The sample bot; without its model step (the prompt becomes the answer) when <paramref name="withModel"/> is false.</summary>
    internal static WorkflowGraph Graph(string knowledgeBaseId, bool withModel)
    {
        var graph = SampleWorkflows.FaqBot(knowledgeBaseId);
        if (withModel)
        {
            return graph;
        }
        var answer = graph.Nodes.Single(n => n.Id == "answer");
        return graph with
        {
            Nodes = [.. graph.Nodes.Where(n => n.Id is not ("llm" or "answer")),
                answer with { Settings = System.Text.Json.JsonSerializer.SerializeToElement(new { template = "{{ template.text }}" }) }],
            Edges = [.. graph.Edges.Where(e => e.From != "llm" && e.To != "llm"), new Edge("template", "answer")],
        };
    }
}
