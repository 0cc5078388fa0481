using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Caching;

[Collection(RedisServer.Collection)]
public sealed class CacheInvalidationTests(RedisServer redis)
{
    [Fact]
    public async Task KnowledgeBaseChangedAsync_OnOtherInstance_NextRunMissesAndHandlersFireEverywhere()
    {
        // Arrange
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        await using var b = CacheTestKit.CreateProvider(redis.ConnectionString);
        var kb = "kb" + Guid.NewGuid().ToString("n")[..8];
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var retrieve = CacheTestKit.Definition(id: "retrieve", settings: new { knowledgeBaseId = kb });
        var unrelated = CacheTestKit.Definition(id: "llm");
        await CacheTestKit.RunAsync(a, node, retrieve, wf, "q");
        await CacheTestKit.RunAsync(a, node, unrelated, wf, "q");
        var heardOnA = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = a.GetRequiredService<ICacheInvalidation>().OnKnowledgeBaseChanged(id =>
        {
            heardOnA.TrySetResult(id);
            return Task.CompletedTask;
        });

        // Act
        await b.GetRequiredService<ICacheInvalidation>().KnowledgeBaseChangedAsync(kb);
        var heard = await heardOnA.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var afterChange = await CacheTestKit.EventuallyAsync(() => CacheTestKit.RunAsync(a, node, retrieve, wf, "q"),
            r => r.Cache.Status == CacheStatus.Miss, TimeSpan.FromSeconds(5), "a miss after the knowledge-base change");
        var unrelatedAfter = await CacheTestKit.RunAsync(a, node, unrelated, wf, "q");

        // Assert
        Assert.Equal(kb, heard);
        Assert.Equal(CacheStatus.Miss, afterChange.Cache.Status);
        Assert.Equal(CacheStatus.Hit, unrelatedAfter.Cache.Status);
    }

    [Fact]
    public async Task ClearWorkflowAsync_OneNode_OnlyThatNodeMissesOnEveryInstance()
    {
        // Arrange
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        await using var b = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var llm = CacheTestKit.Definition(id: "llm");
        var other = CacheTestKit.Definition(id: "template");
        await CacheTestKit.RunAsync(a, node, llm, wf, "q");
        await CacheTestKit.RunAsync(a, node, other, wf, "q");
        await CacheTestKit.RunAsync(b, node, llm, wf, "q");

        // Act
        await a.GetRequiredService<ICacheInvalidation>().ClearWorkflowAsync(wf, "llm");
        var onA = await CacheTestKit.RunAsync(a, node, llm, wf, "q");
        var onB = await CacheTestKit.EventuallyAsync(() => CacheTestKit.RunAsync(b, node, llm, wf, "q"),
            r => r.Cache.Level != CacheLevel.L1,
            TimeSpan.FromSeconds(5), "B no longer serving its L1 copy");
        var otherNode = await CacheTestKit.RunAsync(a, node, other, wf, "q");

        // Assert
        Assert.Equal(CacheStatus.Miss, onA.Cache.Status);
        Assert.NotEqual(CacheLevel.L1, onB.Cache.Level); // B dropped its L1 copy; it may reuse A's fresh result from L2
        Assert.Equal(CacheStatus.Hit, otherNode.Cache.Status);
    }

    [Fact]
    public async Task ClearWorkflowAsync_WholeWorkflow_EveryNodeMisses()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var llm = CacheTestKit.Definition(id: "llm");
        var other = CacheTestKit.Definition(id: "template");
        await CacheTestKit.RunAsync(services, node, llm, wf, "q");
        await CacheTestKit.RunAsync(services, node, other, wf, "q");

        // Act
        await services.GetRequiredService<ICacheInvalidation>().ClearWorkflowAsync(wf);
        var llmAfter = await CacheTestKit.RunAsync(services, node, llm, wf, "q");
        var otherAfter = await CacheTestKit.RunAsync(services, node, other, wf, "q");

        // Assert
        Assert.Equal(CacheStatus.Miss, llmAfter.Cache.Status);
        Assert.Equal(CacheStatus.Miss, otherAfter.Cache.Status);
        Assert.Equal(4, node.Executions);
    }

    [Fact]
    public async Task ReportWrongAsync_ExactAnswerHeldInOtherInstancesMemory_GoneThereTooAndCounted()
    {
        // Arrange: A stored an exact answer; B read it from Redis and holds it in its L1.
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        await using var b = CacheTestKit.CreateProvider(redis.ConnectionString);
        var workflowId = $"wf-{Guid.NewGuid():n}";
        var scope = new AnswerScope(workflowId, "cache", "scope-1", TimeSpan.FromMinutes(5), [NodeCacheKey.WorkflowTag(workflowId)]);
        const string question = "what are your opening hours";
        var exactA = a.GetRequiredService<ResponseCache>().For("exact");
        var exactB = b.GetRequiredService<ResponseCache>().For("exact");
        await exactA.StoreAsync(scope, question, "Monday to Friday, 9 to 17.", TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Equal(CacheLevel.L2, (await exactB.FindAsync(scope, question, 1, CancellationToken.None))?.Level);
        Assert.Equal(CacheLevel.L1, (await exactB.FindAsync(scope, question, 1, CancellationToken.None))?.Level);

        // Act
        var report = await a.GetRequiredService<ResponseCache>().ReportWrongAsync(
            new GateAnswer(workflowId, "cache", "exact", scope.ScopeHash, question, question, Served: true));

        // Assert: gone from B's memory (FusionCache's backplane) and from Redis; the same question blocks nothing (its answer
        // was wrong, not the match); both instances count the report.
        Assert.False(report.PairBlocked);
        await Eventually.WaitUntilAsync(async () => await exactB.FindAsync(scope, question, 1, CancellationToken.None) is null,
            TimeSpan.FromSeconds(10), "instance B forgetting the reported answer");
        Assert.Null(await exactA.FindAsync(scope, question, 1, CancellationToken.None));
        var summary = await b.GetRequiredService<AnswerRejections>().SummaryAsync();
        Assert.Contains(summary.Recent, r => r.WorkflowId == workflowId && r.Question == question && r.Served);
        Assert.True(summary.Count >= 1);
    }
}
