using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes.Types;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Caching;

/// <summary>Studios sharing one Redis are kept apart by <c>Engine:Cache:KeyPrefix</c>: every key and Pub/Sub channel the
/// engine uses carries it, and clearing a workflow's cache touches only keys under the clearing studio's prefix.</summary>
public sealed class KeyPrefixTests : IAsyncLifetime
{
    private const string First = "studio-a:";
    private const string Second = "studio-b.";
    private const string Question = "How do I get a refund?";

    // A server of its own, so every key and channel in it belongs to the studios of the test.
    private readonly RedisServer _redis = new();

    public Task InitializeAsync() => _redis.InitializeAsync();

    public Task DisposeAsync() => _redis.DisposeAsync();

    [Fact]
    public async Task Caching_ExactAndSemanticReportedAndCleared_EveryKeyAndChannelUnderItsStudiosPrefixAndTheClearStaysInsideIt()
    {
        // Arrange: two studios with prefixes of their own on one Redis, running the same workflow ids; one workflow's gate
        // matches exactly, the other's by meaning.
        await using var first = FaqBotEngine.Create(_redis.ConnectionString, new Dictionary<string, string?> { ["Engine:Cache:KeyPrefix"] = First });
        await using var second = FaqBotEngine.Create(_redis.ConnectionString, new Dictionary<string, string?> { ["Engine:Cache:KeyPrefix"] = Second });
        var exact = SampleWorkflows.FaqBot(FaqBotEngine.KnowledgeBaseId);
        var semantic = WithSetting(exact, "cache", "matchMode", "semantic");
        var exactId = CacheTestKit.NewWorkflowId();
        var semanticId = CacheTestKit.NewWorkflowId();
        foreach (var studio in new[] { first, second })
        {
            foreach (var (graph, id) in new[] { (exact, exactId), (semantic, semanticId) })
            {
                Assert.Equal(CacheStatus.Miss, (await RunAsync(studio, graph, id))["cache"]!.Cache!.Status);
                Assert.Equal(CacheStatus.Hit, (await RunAsync(studio, graph, id))["cache"]!.Cache!.Status);
            }
        }

        var served = await RunAsync(first, exact, exactId);
        var report = CacheNode.AnswerOf(exactId, "cache", hit: true, served["cache"]!.Details);
        Assert.NotNull(report);
        await first.GetRequiredService<ResponseCache>().ReportWrongAsync(report);
        await first.GetRequiredService<ICacheInvalidation>().KnowledgeBaseChangedAsync(FaqBotEngine.KnowledgeBaseId);
        var written = await KeysAsync(first);
        var channels = await ChannelsAsync(first);

        // Act
        await first.GetRequiredService<ICacheInvalidation>().ClearWorkflowAsync(semanticId);

        // Assert: what both studios wrote, semantic entries and wrong-answer reports included, lies under their prefixes.
        Assert.All(written, key => Assert.True(key.StartsWith(First, StringComparison.Ordinal) || key.StartsWith(Second, StringComparison.Ordinal), key));
        foreach (var prefix in new[] { First, Second })
        {
            Assert.Contains(written, key => key.StartsWith($"{prefix}llm_response:{exactId}:", StringComparison.Ordinal));
            Assert.Contains(written, key => key.StartsWith($"{prefix}sem:{semanticId}:cache:", StringComparison.Ordinal));
        }
        Assert.Contains(written, key => key.StartsWith($"{Second}answer:{exactId}:", StringComparison.Ordinal));
        Assert.DoesNotContain(written, key => key.StartsWith($"{First}answer:{exactId}:", StringComparison.Ordinal)); // reported wrong
        Assert.Contains(First + "feedback:count", written);

        // Every channel the studios listen on (backplane, knowledge-base changes, clears, reports) too; StackExchange.Redis's
        // own topology-change channel is shared by every client of the server by design.
        var clientChannel = ConfigurationOptions.Parse(_redis.ConnectionString).ConfigurationChannel;
        Assert.All(channels.Where(channel => channel != clientChannel),
            channel => Assert.True(channel.StartsWith(First, StringComparison.Ordinal) || channel.StartsWith(Second, StringComparison.Ordinal), channel));
        Assert.Contains(First + "cache-cleared", channels);
        Assert.Contains(channels, channel => channel.StartsWith(First + "WorkflowStudio.Backplane", StringComparison.Ordinal));

        // The first studio's clear deleted its own semantic entries only: the second's are still in Redis and still served.
        var left = await KeysAsync(first);
        Assert.DoesNotContain(left, key => key.StartsWith($"{First}sem:{semanticId}:", StringComparison.Ordinal));
        Assert.Equal(
            written.Where(key => key.StartsWith($"{Second}sem:{semanticId}:", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
            left.Where(key => key.StartsWith($"{Second}sem:{semanticId}:", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(CacheStatus.Miss, (await RunAsync(first, semantic, semanticId))["cache"]!.Cache!.Status);
        Assert.Equal(CacheStatus.Hit, (await RunAsync(second, semantic, semanticId))["cache"]!.Cache!.Status);
    }

    private static Task<RunResult> RunAsync(ServiceProvider engine, WorkflowGraph graph, string workflowId) =>
        engine.GetRequiredService<WorkflowRunner>().RunToCompletionAsync(graph, new RunRequest(workflowId, Question));

    private static async Task<IServer> ServerAsync(IServiceProvider engine)
    {
        var connection = await engine.GetRequiredService<RedisConnection>().GetAsync();
        return connection.GetServer(connection.GetEndPoints()[0]);
    }

    private static async Task<List<string>> KeysAsync(IServiceProvider engine)
    {
        var keys = new List<string>();
        await foreach (var key in (await ServerAsync(engine)).KeysAsync(pattern: "*", pageSize: 500)) // SCAN under the hood
        {
            keys.Add(key.ToString());
        }

        return keys;
    }

    private static async Task<List<string>> ChannelsAsync(IServiceProvider engine) =>
        [.. (await (await ServerAsync(engine)).SubscriptionChannelsAsync()).Select(c => c.ToString())];

    private static WorkflowGraph WithSetting(WorkflowGraph graph, string nodeId, string name, JsonNode? value) => graph with
    {
        Nodes = [.. graph.Nodes.Select(n =>
        {
            if (n.Id != nodeId)
            {
                return n;
            }
            var settings = JsonNode.Parse(n.Settings.GetRawText())!.AsObject();
            settings[name] = value;
            return n with { Settings = JsonSerializer.SerializeToElement(settings) };
        })],
    };
}
