using System.Diagnostics;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Llm;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowEngine.Persistence;
using WorkflowStudio.Components.Inspector;

namespace WorkflowStudio.Hosting;

/// <summary>
/// Runs the sample bot twice in the background at start-up (a miss, then a cache hit) under a workflow id of its own, so the
/// first question a user asks does not pay for compiling the engine's code: measured on a fresh studio, the first cache hit
/// took 29 ms and the next 0.5 ms, and the first miss spent 13 ms in the start step alone. Nothing of the user's is touched:
/// its cache entries sit under their own workflow id (and expire), its cache figures are dropped from the studio's statistics
/// (the engine's OpenTelemetry counters do count its few lookups, under that workflow id), and no run is recorded. When a real model is configured
/// the model step is left out, so start-up never calls (or pays for) a model. When a saved workflow's response cache matches
/// questions by meaning, the semantic path runs too, which also loads its second embedding model before the first question
/// needs it. <c>Studio:WarmUp=false</c> turns it off.
/// </summary>
internal sealed class EngineWarmUp(
    WorkflowRunner runner, KnowledgeBaseService knowledgeBases, ILlmClientFactory llm, CacheStatistics statistics, WorkflowStore workflows,
    IConfiguration configuration, ILogger<EngineWarmUp> logger)
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
            await WarmUpAsync(stoppingToken);
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

    /// <summary>The warm-up itself (called once at start; tests call it again).</summary>
    internal async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // The database initializer, which starts before this service, has ensured the sample knowledge base.
        await knowledgeBases.WaitForIndexingAsync(SampleKnowledgeBase.Id, cancellationToken);
        var graph = Graph(SampleKnowledgeBase.Id, llm.Default.IsOffline);
        await MissThenHitAsync(graph, cancellationToken);
        var semantic = await UsesSemanticMatchingAsync(cancellationToken);
        if (semantic)
        {
            await MissThenHitAsync(WithMatchMode(graph, "semantic"), cancellationToken);
        }
        Log.EngineWarmedUp(logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds, semantic);
    }

    private async Task MissThenHitAsync(WorkflowGraph graph, CancellationToken cancellationToken)
    {
        var workflowId = "warm-up-" + Guid.NewGuid().ToString("n");
        for (var i = 0; i < 2; i++)
        {
            await runner.RunToCompletionAsync(graph, new RunRequest(workflowId, Question), cancellationToken);
        }
        // Its figures would show on the Cache page as a workflow nobody made; its few entries simply expire.
        statistics.Reset(workflowId);
    }

    private async Task<bool> UsesSemanticMatchingAsync(CancellationToken cancellationToken) =>
        (await workflows.ListStoredAsync(cancellationToken)).Any(w => w.Graph.Nodes.Any(n =>
            n.Type == NodeRegistry.KeyOf<CacheNode>() && string.Equals(NodeSettings.For(n, null).GetString("matchMode"), "semantic", StringComparison.OrdinalIgnoreCase)));

    /// <summary><paramref name="graph"/> with every response cache set to <paramref name="matchMode"/>.</summary>
    internal static WorkflowGraph WithMatchMode(WorkflowGraph graph, string matchMode) =>
        graph with { Nodes = [.. graph.Nodes.Select(n => n.Type == NodeRegistry.KeyOf<CacheNode>() ? n with { Settings = NodeSettings.For(n, null).With("matchMode", matchMode) } : n)] };

    /// <summary>The sample bot; without its model step (the prompt becomes the answer) when <paramref name="withModel"/> is false.</summary>
    internal static WorkflowGraph Graph(string knowledgeBaseId, bool withModel)
    {
        var graph = SampleWorkflows.FaqBot(knowledgeBaseId);
        if (withModel)
        {
            return graph;
        }
        var model = graph.Nodes.Single(n => n.Type == NodeRegistry.KeyOf<LlmNode>());
        var answer = graph.Nodes.Single(n => n.Type == NodeRegistry.KeyOf<AnswerNode>());
        var prompt = graph.Edges.Single(e => e.To == model.Id).From;
        return graph with
        {
            Nodes = [.. graph.Nodes.Where(n => n.Id != model.Id && n.Id != answer.Id),
                answer with { Settings = NodeSettings.For(answer, null).With("template", $"{{{{ {prompt}.text }}}}") }],
            Edges = [.. graph.Edges.Where(e => e.From != model.Id && e.To != model.Id), new Edge(prompt, answer.Id)],
        };
    }
}
