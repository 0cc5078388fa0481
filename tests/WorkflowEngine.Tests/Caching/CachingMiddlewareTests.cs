using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Nodes;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Caching;

[Collection(RedisServer.Collection)]
public sealed class CachingMiddlewareTests(RedisServer redis)
{
    [Fact]
    public async Task InvokeAsync_SecondRun_HitsL1AndSkipsNode()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();

        // Act
        var first = await CacheTestKit.RunAsync(services, node, definition, wf, "refund?");
        var second = await CacheTestKit.RunAsync(services, node, definition, wf, "refund?");

        // Assert
        Assert.Equal(CacheStatus.Miss, first.Cache.Status);
        Assert.Equal(CacheStatus.Hit, second.Cache.Status);
        Assert.Equal(CacheLevel.L1, second.Cache.Level);
        Assert.NotNull(second.Cache.Saved);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(1, node.Executions);
    }

    [Fact]
    public async Task InvokeAsync_OtherInstanceSharingRedis_HitsL2()
    {
        // Arrange
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        await using var b = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();
        await CacheTestKit.RunAsync(a, node, definition, wf, "hours?");

        // Act
        var fromL2 = await CacheTestKit.RunAsync(b, node, definition, wf, "hours?");
        var fromL1 = await CacheTestKit.RunAsync(b, node, definition, wf, "hours?");

        // Assert
        Assert.Equal(CacheStatus.Hit, fromL2.Cache.Status);
        Assert.Equal(CacheLevel.L2, fromL2.Cache.Level);
        Assert.Equal(CacheLevel.L1, fromL1.Cache.Level);
        Assert.Equal(1, node.Executions);
    }

    [Fact]
    public async Task InvokeAsync_NodeTtl_IsRedisKeyTtlAndExpires()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var shortLived = CacheTestKit.Definition(ttlSeconds: 2);
        var longLived = CacheTestKit.Definition(id: "llm2", ttlSeconds: 600);

        // Act
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var run = await CacheTestKit.RunAsync(services, node, shortLived, wf, "q");
        var ttl = await redis.CommandAsync("PTTL", "wfs:" + run.Key);
        var writtenWithin = (long)Math.Ceiling(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        var longRun = await CacheTestKit.RunAsync(services, node, longLived, wf, "q");
        var longTtl = await redis.CommandAsync("TTL", "wfs:" + longRun.Key);
        // L1 took the entry before Redis did, so it has expired too once Redis lets the key go.
        await Eventually.WaitUntilAsync(async () => await redis.CommandAsync("EXISTS", "wfs:" + run.Key) == "0", TimeSpan.FromSeconds(10),
            "the 2 s entry to expire in Redis");
        var afterExpiry = await CacheTestKit.RunAsync(services, node, shortLived, wf, "q");
        var writtenAgain = await redis.CommandAsync("EXISTS", "wfs:" + run.Key);

        // Assert
        // The key was written at most writtenWithin ms before PTTL read it (a fixed 500 ms allowance failed on a busy machine).
        Assert.InRange(long.Parse(ttl!), 2000 - writtenWithin - 1, 2000);
        Assert.InRange(long.Parse(longTtl!), 595, 600);
        Assert.Equal(CacheStatus.Miss, afterExpiry.Cache.Status);
        Assert.Equal("1", writtenAgain); // written again by the miss
        Assert.Equal(3, node.Executions);
    }

    [Fact]
    public async Task InvokeAsync_SettingsEdited_KeyChangesAndMisses()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var original = CacheTestKit.Definition(settings: new { prompt = "Be brief.", temperature = 0.2 });
        var reordered = CacheTestKit.Definition(settings: new { temperature = 0.20, prompt = "Be brief." });
        var edited = CacheTestKit.Definition(settings: new { prompt = "Be very brief.", temperature = 0.2 });

        // Act
        var first = await CacheTestKit.RunAsync(services, node, original, wf, "q");
        var same = await CacheTestKit.RunAsync(services, node, reordered, wf, "q");
        var changed = await CacheTestKit.RunAsync(services, node, edited, wf, "q");

        // Assert
        Assert.Equal(first.Key, same.Key);
        Assert.Equal(CacheStatus.Hit, same.Cache.Status);
        Assert.NotEqual(first.Key, changed.Key);
        Assert.Equal(CacheStatus.Miss, changed.Cache.Status);
        Assert.Equal(first.Key.Split(':')[4], changed.Key.Split(':')[4]); // same input hash
        Assert.Equal(2, node.Executions);
    }

    [Fact]
    public async Task InvokeAsync_NotFound_CachedWithNegativeTtlAndReportedAsNegativeHit()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode
        {
            Behaviour = (_, _, _) => ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { context = "", found = false })) { IsNotFound = true }),
        };
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition(id: "retrieve", ttlSeconds: 1800);
        var metadata = new NodeTypeAttribute("probe") { CacheKind = "rag_context" };

        // Act
        var first = await CacheTestKit.RunAsync(services, node, definition, wf, "asdfgh", metadata: metadata);
        var ttl = await redis.CommandAsync("TTL", "wfs:" + first.Key);
        var second = await CacheTestKit.RunAsync(services, node, definition, wf, "asdfgh", metadata: metadata);

        // Assert
        Assert.StartsWith("rag_context:", first.Key);
        Assert.Equal(CacheStatus.Miss, first.Cache.Status);
        Assert.InRange(long.Parse(ttl!), 55, 60);
        Assert.Equal(CacheStatus.NegativeHit, second.Cache.Status);
        Assert.Equal("negative-hit", second.Cache.StatusText);
        Assert.True(second.Execution.Result.IsNotFound);
        Assert.Equal(1, node.Executions);
    }

    [Fact]
    public async Task InvokeAsync_NegativeTtlElapsed_RunsNodeAgain()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString, o => o.NegativeTtlSeconds = 1);
        var node = new ProbeNode
        {
            Behaviour = (_, _, _) => ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { found = false })) { IsNotFound = true }),
        };
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition(id: "retrieve", ttlSeconds: 1800);

        // Act
        await CacheTestKit.RunAsync(services, node, definition, wf, "junk");
        var reused = await CacheTestKit.RunAsync(services, node, definition, wf, "junk");
        await Eventually.WaitUntilAsync(async () => await redis.CommandAsync("EXISTS", "wfs:" + reused.Key) == "0", TimeSpan.FromSeconds(10),
            "the 1 s \"nothing found\" entry to expire in Redis");
        var expired = await CacheTestKit.RunAsync(services, node, definition, wf, "junk");

        // Assert
        Assert.Equal(CacheStatus.NegativeHit, reused.Cache.Status);
        Assert.Equal(CacheStatus.Miss, expired.Cache.Status);
        Assert.Equal(2, node.Executions);
    }

    [Fact]
    public async Task InvokeAsync_HundredConcurrentColdRuns_NodeRunsOnce()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode { Delay = TimeSpan.FromMilliseconds(200) };
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();

        // Act
        var runs = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => CacheTestKit.RunAsync(services, node, definition, wf, "same"))));

        // Assert
        Assert.Equal(1, node.Executions);
        Assert.Single(runs, r => r.Cache.Status == CacheStatus.Miss);
        Assert.All(runs, r => Assert.Equal(runs[0].Text, r.Text));
    }

    [Fact]
    public async Task InvokeAsync_TwoInstancesConcurrentColdRuns_NodeRunsOnce()
    {
        // Arrange
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        await using var b = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode { Delay = TimeSpan.FromMilliseconds(300) };
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();

        // Act
        var runs = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => CacheTestKit.RunAsync(i % 2 == 0 ? a : b, node, definition, wf, "same"))));

        // Assert
        Assert.Equal(1, node.Executions);
        Assert.All(runs, r => Assert.Equal(runs[0].Text, r.Text));
        Assert.Contains(runs, r => r.Cache.Level == CacheLevel.L2);
    }

    [Fact]
    public async Task InvokeAsync_NodeThrows_FailureNotCached()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        var fail = true;
        var node = new ProbeNode();
        node.Behaviour = (input, _, _) => fail
            ? throw new InvalidOperationException("The model is unavailable.")
            : ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { text = "ok" })));
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => CacheTestKit.RunAsync(services, node, definition, wf, "q"));
        fail = false;
        var next = await CacheTestKit.RunAsync(services, node, definition, wf, "q");

        // Assert
        Assert.Equal("The model is unavailable.", error.Message);
        Assert.Equal(CacheStatus.Miss, next.Cache.Status);
        Assert.Equal("ok", next.Text);
        Assert.Equal(2, node.Executions);
    }

    [Fact]
    public async Task InvokeAsync_CancelledStream_NotCached()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        using var cts = new CancellationTokenSource();
        var node = new ProbeNode();
        node.Behaviour = async (_, context, ct) =>
        {
            await context.StreamTokenAsync("Half an ");
            cts.Cancel();
            // A node that ignores cancellation and returns what it had: the truncated text must not be stored.
            return new NodeResult(NodeOutputs.From(new { text = "Half an " })) { StreamedText = "Half an " };
        };
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();

        // Act
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CacheTestKit.RunAsync(services, node, definition, wf, "q", cts.Token));
        node.Behaviour = null;
        var next = await CacheTestKit.RunAsync(services, node, definition, wf, "q");

        // Assert
        Assert.Equal(CacheStatus.Miss, next.Cache.Status);
        Assert.Equal(2, node.Executions);
    }

    [Fact]
    public async Task InvokeAsync_StreamedAnswerHit_ReplaysTokens()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        const string answer = "Refunds are possible within 30 days of purchase, with the receipt.";
        var node = new ProbeNode();
        node.Behaviour = async (_, context, _) =>
        {
            foreach (var word in answer.Split(' '))
            {
                await context.StreamTokenAsync(word + " ");
            }
            return new NodeResult(NodeOutputs.From(new { text = answer })) { StreamedText = answer, Usage = new TokenUsage(40, 14) };
        };
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();
        await CacheTestKit.RunAsync(services, node, definition, wf, "refund");

        // Act
        var hit = await CacheTestKit.RunAsync(services, node, definition, wf, "refund");

        // Assert
        Assert.Equal(CacheStatus.Hit, hit.Cache.Status);
        Assert.Equal(answer, hit.Tokens);
        Assert.True(hit.Events.Count > 3, "the hit is replayed in several tokens");
        Assert.Null(hit.Execution.Result.Usage);
        var stats = services.GetRequiredService<CacheStatistics>().ForNode(wf, "llm");
        Assert.Equal(54, stats.TokensSaved);
    }

    [Fact]
    public async Task InvokeAsync_CacheDisabled_BypassesAndRunsEveryTime()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition(enabled: false);

        // Act
        var first = await CacheTestKit.RunAsync(services, node, definition, wf, "q");
        var second = await CacheTestKit.RunAsync(services, node, definition, wf, "q");

        // Assert
        Assert.Equal(CacheStatus.Bypass, first.Cache.Status);
        Assert.Equal(CacheStatus.Bypass, second.Cache.Status);
        Assert.Equal(2, node.Executions);
        Assert.Null(await redis.CommandAsync("EXISTS", "wfs:" + first.Key) is "1" ? "exists" : null);
    }

    [Fact]
    public async Task InvokeAsync_CorruptValueInRedis_MissAndOverwrite()
    {
        // Arrange
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        await using var b = CacheTestKit.CreateProvider(redis.ConnectionString);
        await using var c = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();
        var first = await CacheTestKit.RunAsync(a, node, definition, wf, "q");
        await redis.CommandAsync("HSET", "wfs:" + first.Key, "data", "{not json at all");

        // Act
        var corrupt = await CacheTestKit.RunAsync(b, node, definition, wf, "q");
        var repaired = await CacheTestKit.RunAsync(c, node, definition, wf, "q");

        // Assert
        Assert.Equal(CacheStatus.Error, corrupt.Cache.Status);
        Assert.Equal(first.Text, corrupt.Text);
        Assert.Equal(CacheStatus.Hit, repaired.Cache.Status);
        Assert.Equal(CacheLevel.L2, repaired.Cache.Level);
        Assert.Equal(2, node.Executions);
    }

    [Fact]
    public async Task InvokeAsync_AfterRuns_StatisticsCountOutcomes()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode { Delay = TimeSpan.FromMilliseconds(30) };
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();

        // Act
        await CacheTestKit.RunAsync(services, node, definition, wf, "a");
        await CacheTestKit.RunAsync(services, node, definition, wf, "a");
        await CacheTestKit.RunAsync(services, node, definition, wf, "a");
        await CacheTestKit.RunAsync(services, node, definition, wf, "b");
        var stats = services.GetRequiredService<CacheStatistics>();

        // Assert
        var row = Assert.Single(stats.ForWorkflow(wf));
        Assert.Equal(2, row.Hits);
        Assert.Equal(2, row.Misses);
        Assert.Equal(0.5, row.HitRatio);
        Assert.True(row.TimeSaved >= TimeSpan.FromMilliseconds(50), $"time saved {row.TimeSaved}");
        Assert.Equal(30, row.TokensSaved);
        Assert.Equal(row.Hits, stats.TotalFor(wf).Hits);
    }
}
