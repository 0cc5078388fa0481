using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Caching;

/// <summary>The response-cache gate while Redis is away: it owns its redis-server, so stopping it disturbs no other test.</summary>
public sealed class CacheGateResilienceTests
{
    private const string KnowledgeBaseId = FaqBotEngine.KnowledgeBaseId;

    [Fact]
    public async Task CacheGate_RedisStopped_ReportsErrorAndRunStillAnswers()
    {
        // Arrange
        using var redis = new RedisServer();
        redis.Start();
        await using var engine = FaqBotEngine.Create(redis.ConnectionString);
        var runner = engine.GetRequiredService<WorkflowRunner>();
        var graph = SampleWorkflows.FaqBot(KnowledgeBaseId);
        var wf = "wf" + Guid.NewGuid().ToString("n")[..10];
        var beforeOutage = await runner.RunToCompletionAsync(graph, new RunRequest(wf, "How do I get a refund?"));

        // Act
        redis.Stop();
        var newQuestion = await runner.RunToCompletionAsync(graph, new RunRequest(wf, "When are you open?"));
        var knownQuestion = await runner.RunToCompletionAsync(graph, new RunRequest(wf, "How do I get a refund?"));

        // Assert
        Assert.Equal(CacheStatus.Miss, beforeOutage["cache"]!.Cache!.Status);
        Assert.True(newQuestion.Succeeded, newQuestion.Error);
        Assert.False(string.IsNullOrWhiteSpace(newQuestion.Answer));
        var gate = newQuestion["cache"]!.Cache!;
        Assert.Equal(CacheStatus.Error, gate.Status);
        Assert.Contains("Redis", gate.Detail);
        Assert.Equal(CacheStatus.Hit, knownQuestion["cache"]!.Cache!.Status); // L1 keeps serving what it holds
        Assert.Equal(CacheLevel.L1, knownQuestion["cache"]!.Cache!.Level);
        Assert.True(engine.GetRequiredService<CacheStatistics>().ForNode(wf, "cache").Errors >= 1);
    }

    [Fact]
    public async Task CacheGate_RedisUp_ReportsPlainMiss()
    {
        // Arrange
        using var redis = new RedisServer();
        redis.Start();
        await using var engine = FaqBotEngine.Create(redis.ConnectionString);
        var runner = engine.GetRequiredService<WorkflowRunner>();
        var wf = "wf" + Guid.NewGuid().ToString("n")[..10];

        // Act
        var run = await runner.RunToCompletionAsync(SampleWorkflows.FaqBot(KnowledgeBaseId), new RunRequest(wf, "How do I get a refund?"));

        // Assert
        Assert.True(run.Succeeded, run.Error);
        Assert.Equal(CacheStatus.Miss, run["cache"]!.Cache!.Status);
        Assert.Null(run["cache"]!.Cache!.Detail);
    }
}
