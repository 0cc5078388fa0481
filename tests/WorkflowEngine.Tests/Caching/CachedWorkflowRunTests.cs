using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Caching;

/// <summary>Whole runs of the sample FAQ bot through the real runner, caching on a real redis-server (offline LLM responder,
/// in-memory keyword knowledge base).</summary>
[Collection(RedisServer.Collection)]
public sealed class CachedWorkflowRunTests(RedisServer redis)
{
    private const string KnowledgeBaseId = FaqBotEngine.KnowledgeBaseId;

    private static Task<RunResult> RunAsync(ServiceProvider engine, string workflowId, string question) =>
        engine.GetRequiredService<WorkflowRunner>().RunToCompletionAsync(SampleWorkflows.FaqBot(KnowledgeBaseId), new RunRequest(workflowId, question));

    [Fact]
    public async Task FaqBot_NormalizationVariants_ShareOneGateEntryThroughCleanNode()
    {
        // Arrange
        await using var engine = FaqBotEngine.Create(redis.ConnectionString);
        var wf = CacheTestKit.NewWorkflowId();

        // Act
        var first = await RunAsync(engine, wf, "How do I get a refund?");
        var shouting = await RunAsync(engine, wf, "  HOW DO I GET A REFUND ???  ");
        var fullWidth = await RunAsync(engine, wf, "Ｈｏｗ ｄｏ Ｉ ｇｅｔ ａ ｒｅｆｕｎｄ？");

        // Assert
        Assert.True(first.Succeeded, first.Error);
        Assert.Equal(CacheStatus.Miss, first["cache"]!.Cache!.Status);
        Assert.Equal(CacheStatus.Miss, first["llm"]!.Cache!.Status);
        foreach (var variant in new[] { shouting, fullWidth })
        {
            Assert.True(variant.Succeeded, variant.Error);
            Assert.Equal(CacheStatus.Hit, variant["cache"]!.Cache!.Status);
            Assert.Equal(first.Answer, variant.Answer);
            Assert.Equal(NodeRunStatus.Skipped, variant["llm"]!.Status);
        }
    }

    [Fact]
    public async Task FaqBot_SecondInstance_ServedFromL2WithNodeTtlOnRedisKey()
    {
        // Arrange
        await using var a = FaqBotEngine.Create(redis.ConnectionString);
        await using var b = FaqBotEngine.Create(redis.ConnectionString);
        var wf = CacheTestKit.NewWorkflowId();

        // Act
        var onA = await RunAsync(a, wf, "What are your opening hours?");
        var onB = await RunAsync(b, wf, "what are your opening hours");
        var gateKeys = (await redis.CommandAsync("KEYS", $"wfs:answer:{wf}:cache:*"))!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var llmKeys = (await redis.CommandAsync("KEYS", $"wfs:llm_response:{wf}:llm:*"))!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var retrieveKeys = (await redis.CommandAsync("KEYS", $"wfs:rag_context:{wf}:retrieve:*"))!.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Assert
        Assert.True(onA.Succeeded, onA.Error);
        Assert.Equal(CacheStatus.Hit, onB["cache"]!.Cache!.Status);
        Assert.Equal(CacheLevel.L2, onB["cache"]!.Cache!.Level);
        Assert.True(onB["cache"]!.Cache!.Saved > TimeSpan.Zero);
        // Level and time saved are the outcome's, typed; the trace details keep the match's facts only.
        Assert.DoesNotContain("level", onB["cache"]!.Details!.Keys);
        Assert.DoesNotContain("savedMs", onB["cache"]!.Details!.Keys);
        Assert.Equal(onA.Answer, onB.Answer);
        Assert.InRange(long.Parse((await redis.CommandAsync("TTL", Assert.Single(gateKeys)))!), 3590, 3600);
        Assert.InRange(long.Parse((await redis.CommandAsync("TTL", Assert.Single(llmKeys)))!), 590, 600);
        Assert.InRange(long.Parse((await redis.CommandAsync("TTL", Assert.Single(retrieveKeys)))!), 1790, 1800);
    }

    [Fact]
    public async Task FaqBot_KnowledgeBaseChangedViaOtherInstance_GateAndRetrieveMiss()
    {
        // Arrange
        await using var a = FaqBotEngine.Create(redis.ConnectionString);
        await using var b = FaqBotEngine.Create(redis.ConnectionString);
        var wf = CacheTestKit.NewWorkflowId();
        await RunAsync(a, wf, "How do I get a refund?");
        var cached = await RunAsync(a, wf, "How do I get a refund?");

        // Act
        await b.GetRequiredService<ICacheInvalidation>().KnowledgeBaseChangedAsync(KnowledgeBaseId);
        var afterChange = await CacheTestKit.EventuallyAsync(() => RunAsync(a, wf, "How do I get a refund?"),
            r => r["cache"]!.Cache!.Status == CacheStatus.Miss, TimeSpan.FromSeconds(5), "a gate miss after the knowledge-base change");

        // Assert
        Assert.Equal(CacheStatus.Hit, cached["cache"]!.Cache!.Status);
        Assert.True(afterChange.Succeeded, afterChange.Error);
        Assert.Equal(CacheStatus.Miss, afterChange["retrieve"]!.Cache!.Status);
    }

    [Fact]
    public async Task FaqBot_WorkflowEdited_GateDoesNotServeOldAnswer()
    {
        // Arrange
        await using var engine = FaqBotEngine.Create(redis.ConnectionString);
        var wf = CacheTestKit.NewWorkflowId();
        var graph = SampleWorkflows.FaqBot(KnowledgeBaseId);
        var runner = engine.GetRequiredService<WorkflowRunner>();
        await runner.RunToCompletionAsync(graph, new RunRequest(wf, "How do I get a refund?"));
        var llm = graph.FindNode("llm")!;
        var edited = graph with
        {
            Nodes = graph.Nodes.Replace(llm, llm with
            {
                Settings = System.Text.Json.JsonSerializer.SerializeToElement(new { prompt = "Answer in one word: {{ template.text }}", temperature = 0.2 }),
            }),
        };

        // Act
        var again = await runner.RunToCompletionAsync(graph, new RunRequest(wf, "How do I get a refund?"));
        var afterEdit = await runner.RunToCompletionAsync(edited, new RunRequest(wf, "How do I get a refund?"));

        // Assert
        Assert.Equal(CacheStatus.Hit, again["cache"]!.Cache!.Status);
        Assert.True(afterEdit.Succeeded, afterEdit.Error);
        Assert.Equal(CacheStatus.Miss, afterEdit["cache"]!.Cache!.Status);
        Assert.Equal(CacheStatus.Miss, afterEdit["llm"]!.Cache!.Status);
        Assert.Equal(CacheStatus.Hit, afterEdit["retrieve"]!.Cache!.Status);
    }
}
