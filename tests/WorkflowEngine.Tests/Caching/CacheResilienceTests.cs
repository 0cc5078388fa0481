using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Caching;

/// <summary>Redis going away and coming back: each test owns its redis-server so stopping it disturbs no one else.</summary>
public sealed class CacheResilienceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task InvokeAsync_RedisStoppedThenRestarted_RunsSucceedAndL2Resumes()
    {
        // Arrange
        using var redis = new RedisServer();
        redis.Start();
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();
        var cachedBefore = await CacheTestKit.RunAsync(a, node, definition, wf, "before");
        var health = a.GetRequiredService<RedisConnection>();
        var connectedBefore = health.Health.Status;

        // Act: outage
        redis.Stop();
        var l1DuringOutage = await CacheTestKit.RunAsync(a, node, definition, wf, "before");
        var missDuringOutage = await CacheTestKit.RunAsync(a, node, definition, wf, "during");
        var againDuringOutage = await CacheTestKit.RunAsync(a, node, definition, wf, "during");
        var downStatus = health.Health.Status;

        // Act: recovery (the restarted server is empty: persistence is off)
        redis.Start();
        await using var b = CacheTestKit.CreateProvider(redis.ConnectionString);
        var attempt = 0;
        var l2Again = await CacheTestKit.EventuallyAsync(async () =>
        {
            var query = $"after-{attempt++}";
            var onA = await CacheTestKit.RunAsync(a, node, definition, wf, query);
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} A {onA.Cache.StatusText} {onA.Cache.Detail}");
            var onB = await CacheTestKit.RunAsync(b, node, definition, wf, query);
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} B {onB.Cache.StatusText} {onB.Cache.Level}");
            return onB;
        }, r => r.Cache is { Status: CacheStatus.Hit, Level: CacheLevel.L2 }, TimeSpan.FromSeconds(10), "an L2 hit after the restart");

        // Assert
        Assert.Equal(CacheStatus.Miss, cachedBefore.Cache.Status);
        Assert.Equal(RedisStatus.Connected, connectedBefore);
        Assert.Equal(CacheStatus.Hit, l1DuringOutage.Cache.Status);
        Assert.Equal(CacheLevel.L1, l1DuringOutage.Cache.Level);
        Assert.Equal(CacheStatus.Error, missDuringOutage.Cache.Status);
        Assert.Contains("Redis", missDuringOutage.Cache.Detail);
        Assert.Equal("answer to during (Answer briefly.)", missDuringOutage.Text);
        Assert.Equal(CacheStatus.Hit, againDuringOutage.Cache.Status); // L1 keeps working
        Assert.Equal(RedisStatus.Down, downStatus);
        Assert.Equal(CacheStatus.Hit, l2Again.Cache.Status);
        Assert.Equal(RedisStatus.Connected, health.Health.Status);
        Assert.True(a.GetRequiredService<CacheStatistics>().ForNode(wf, "llm").Errors >= 1);
    }

    [Fact]
    public async Task InvokeAsync_RedisDownAtStartup_RunsOnL1()
    {
        // Arrange
        using var redis = new RedisServer(); // never started
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();

        // Act
        var first = await CacheTestKit.RunAsync(services, node, definition, wf, "q");
        var second = await CacheTestKit.RunAsync(services, node, definition, wf, "q");

        // Assert
        Assert.Equal(CacheStatus.Error, first.Cache.Status);
        Assert.Equal(CacheStatus.Hit, second.Cache.Status);
        Assert.Equal(CacheLevel.L1, second.Cache.Level);
        Assert.Equal(RedisStatus.Down, services.GetRequiredService<RedisConnection>().Health.Status);
        Assert.Equal(1, node.Executions);
    }

    [Fact]
    public async Task Listening_RedisDownAtStartupThenStarted_CompletesCatchesUpAndHearsAnotherInstancesClear()
    {
        // Arrange
        using var redis = new RedisServer(); // started only after the first instance
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        var listeningWhileDown = a.GetRequiredService<CacheInvalidation>().Listening.IsCompleted;
        var caughtUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var missed = a.GetRequiredService<ICacheInvalidation>().OnMessagesMissed(() =>
        {
            caughtUp.TrySetResult();
            return Task.CompletedTask;
        });

        // Act
        redis.Start();
        await a.GetRequiredService<CacheInvalidation>().Listening.WaitAsync(TimeSpan.FromSeconds(10));
        // What it loaded before it listened may have changed meanwhile: it is told to check again.
        await caughtUp.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var (cleared, heard) = await ClearOnAnotherInstanceAsync(redis, a);

        // Assert
        Assert.False(listeningWhileDown);
        Assert.Equal(cleared, heard);
    }

    [Fact]
    public async Task OnMessagesMissed_RedisRestarted_RunsOnceTheInstanceHearsTheOthersAgain()
    {
        // Arrange
        using var redis = new RedisServer();
        redis.Start();
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        var caughtUp = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var missed = a.GetRequiredService<ICacheInvalidation>().OnMessagesMissed(() =>
        {
            // Whether the instance hears the others at the moment it is told to catch up.
            caughtUp.TrySetResult(a.GetRequiredService<CacheInvalidation>().HearsOthers);
            return Task.CompletedTask;
        });

        // Act
        await StopAndWaitUntilDownAsync(redis, a);
        var hearsWhileDown = a.GetRequiredService<CacheInvalidation>().HearsOthers;
        redis.Start();
        var heardWhenCaughtUp = await caughtUp.Task.WaitAsync(TimeSpan.FromSeconds(15));
        var (cleared, heard) = await ClearOnAnotherInstanceAsync(redis, a);

        // Assert: caught up once it heard the others again, and it does hear them
        Assert.False(hearsWhileDown);
        Assert.True(heardWhenCaughtUp);
        Assert.Equal(cleared, heard);
    }

    [Fact]
    public async Task ReportWrong_MadeWhileRedisWasDown_ReachesTheOtherInstanceOnceRedisIsBack()
    {
        // Arrange: two instances; B has read the gate's (empty) blocked pairs before the outage
        using var redis = new RedisServer();
        redis.Start();
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        await using var b = CacheTestKit.CreateProvider(redis.ConnectionString);
        var wf = CacheTestKit.NewWorkflowId();
        var answer = new GateAnswer(wf, "gate", "exact", "scope", "can I pay by card", "how do I get a refund", Served: true);
        // What a gate's first lookup does on each instance: the response cache is created, and B reads the pairs.
        var reportsOnA = a.GetRequiredService<ResponseCache>();
        b.GetRequiredService<ResponseCache>();
        var onBBefore = await b.GetRequiredService<AnswerRejections>().PairsForAsync(wf, "gate", CancellationToken.None);

        // Act: A's report can neither be saved nor announced
        await StopAndWaitUntilDownAsync(redis, a);
        await reportsOnA.ReportWrongAsync(answer);
        var onADuringOutage = await a.GetRequiredService<AnswerRejections>().PairsForAsync(wf, "gate", CancellationToken.None);
        var onBDuringOutage = await b.GetRequiredService<AnswerRejections>().PairsForAsync(wf, "gate", CancellationToken.None);
        redis.Start();
        BlockedPairs? onBAfter = null;
        await Eventually.WaitUntilAsync(async () =>
            (onBAfter = await b.GetRequiredService<AnswerRejections>().PairsForAsync(wf, "gate", CancellationToken.None)) is not null,
            TimeSpan.FromSeconds(15), "B to block the pair A reported while Redis was down");
        var saved = await redis.CommandAsync("SISMEMBER", $"wfs:feedback:pairs:{wf}:gate", AnswerRejections.PairKey(answer.Question, answer.StoredQuestion));

        // Assert
        Assert.Null(onBBefore);
        Assert.True(onADuringOutage!.Blocks(answer.Question, answer.StoredQuestion));
        Assert.Null(onBDuringOutage);
        Assert.True(onBAfter!.Blocks(answer.Question, answer.StoredQuestion));
        Assert.Equal("1", saved);
    }

    [Fact]
    public async Task InvokeAsync_NoRedisConfigured_L1OnlyAndHealthDisabled()
    {
        // Arrange
        await using var services = CacheTestKit.CreateProvider(null);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();

        // Act
        var first = await CacheTestKit.RunAsync(services, node, definition, wf, "q");
        var second = await CacheTestKit.RunAsync(services, node, definition, wf, "q");

        // Assert
        Assert.Equal(CacheStatus.Miss, first.Cache.Status);
        Assert.Equal(CacheLevel.L1, second.Cache.Level);
        var health = services.GetRequiredService<RedisConnection>().Health;
        Assert.Equal(RedisStatus.Disabled, health.Status);
        Assert.Equal("disabled", health.StatusText);
    }

    private static async Task StopAndWaitUntilDownAsync(RedisServer redis, IServiceProvider instance)
    {
        redis.Stop();
        await Eventually.WaitUntilAsync(() => Task.FromResult(instance.GetRequiredService<RedisConnection>().IsDown), TimeSpan.FromSeconds(10),
            "the instance to find Redis gone");
    }

    /// <summary>A new instance clears a new workflow's cache; returns its id and what <paramref name="listener"/> heard.</summary>
    private static async Task<(string Cleared, string Heard)> ClearOnAnotherInstanceAsync(RedisServer redis, IServiceProvider listener)
    {
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = listener.GetRequiredService<ICacheInvalidation>().OnWorkflowCleared((id, _) =>
        {
            heard.TrySetResult(id);
            return Task.CompletedTask;
        });
        await using var other = CacheTestKit.CreateProvider(redis.ConnectionString);
        var workflowId = CacheTestKit.NewWorkflowId();
        await other.GetRequiredService<ICacheInvalidation>().ClearWorkflowAsync(workflowId);
        return (workflowId, await heard.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
