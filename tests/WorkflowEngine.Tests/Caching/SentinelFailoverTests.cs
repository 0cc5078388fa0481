using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowTesting;
using Xunit.Abstractions;

namespace WorkflowEngine.Tests.Caching;

/// <summary>Redis behind Sentinel losing its primary under load: each test owns its cluster (a primary, a replica, three
/// Sentinels), so killing the primary disturbs no one else.</summary>
public sealed class SentinelFailoverTests(ITestOutputHelper output)
{
    /// <summary>Seconds of paced load around the failover. The test keeps it short; <c>WF_FAILOVER_LOAD_SECONDS=20</c> runs
    /// the issue's full 20 s for the figures in docs/benchmarks.md.</summary>
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("WF_FAILOVER_LOAD_SECONDS"), out var seconds) && seconds > 0 ? seconds : 6);

    [Fact]
    public async Task InvokeAsync_PrimaryKilledUnderLoadOnTwoInstances_NoFailedAnswersAndL2AndInvalidationResume()
    {
        // Arrange
        using var cluster = new RedisSentinelCluster();
        await cluster.StartAsync();
        await using var a = CacheTestKit.CreateProvider(cluster.ConnectionString);
        await using var b = CacheTestKit.CreateProvider(cluster.ConnectionString);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();
        var questions = Enumerable.Range(0, 20).Select(i => $"question {i}").ToArray();
        foreach (var question in questions)
        {
            await CacheTestKit.RunAsync(a, node, definition, wf, question);
        }
        var warmedFromL2OnB = await CacheTestKit.RunAsync(b, node, definition, wf, questions[0]);
        var statusBefore = a.GetRequiredService<RedisConnection>().Health;
        await cluster.WaitUntilReadyForFailoverAsync();
        var oldPrimary = cluster.DataNodes[0];

        // Act: paced load over both instances; the primary is killed a third of the way in
        var load = new PacedLoad(a, b, node, definition, wf, questions);
        var clock = Stopwatch.StartNew();
        var loading = load.RunAsync();
        await Eventually.WaitUntilAsync(() => Task.FromResult(clock.Elapsed >= LoadDuration / 3 && load.Served > 0),
            LoadDuration, "a third of the load");
        var killedAt = clock.Elapsed;
        var servedBeforeKill = load.Served;
        var (newPrimary, failover) = await cluster.KillPrimaryAndWaitForFailoverAsync(TimeSpan.FromSeconds(30));
        var electedAt = clock.Elapsed;

        // L2 written again: a new answer on A lands on the new primary (the first attempts may still meet the old topology
        // or FusionCache's circuit breaker, which is why each attempt asks a new question).
        var attempt = 0;
        string? writtenKey = null;
        await Eventually.WaitUntilAsync(async () =>
        {
            var run = await CacheTestKit.RunAsync(a, node, definition, wf, $"after failover {attempt++}");
            var exists = await newPrimary.CommandAsync("EXISTS", "wfs:" + run.Key) == "1";
            writtenKey = exists ? run.Key : null;
            return exists;
        }, TimeSpan.FromSeconds(10), "L2 to be written on the new primary", TimeSpan.FromMilliseconds(100));
        var l2Again = clock.Elapsed - electedAt;

        // Invalidation after the failover reaches the other instance: B holds question 1 in L1, A clears the workflow.
        var heardOnB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = b.GetRequiredService<ICacheInvalidation>().OnWorkflowCleared((id, _) =>
        {
            if (id == wf)
            {
                heardOnB.TrySetResult();
            }
            return Task.CompletedTask;
        });
        await load.StopAsync(loading, LoadDuration);
        // B's subscriptions move to the new primary on their own; what A publishes before they have is not heard.
        await Eventually.WaitUntilAsync(() => Task.FromResult(b.GetRequiredService<CacheInvalidation>().HearsOthers), TimeSpan.FromSeconds(10),
            "B to hear the other instances through the new primary");
        var executionsBeforeClear = node.Executions;
        await a.GetRequiredService<ICacheInvalidation>().ClearWorkflowAsync(wf);
        await heardOnB.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var afterClearOnB = await CacheTestKit.RunAsync(b, node, definition, wf, questions[1]);

        output.WriteLine($"load {LoadDuration.TotalSeconds:0} s over two instances; primary {oldPrimary.Endpoint} killed at {killedAt.TotalSeconds:0.0} s");
        output.WriteLine($"failover (kill to the Sentinels agreeing on {newPrimary.Endpoint} and it answering ROLE master): {failover.TotalMilliseconds:0} ms");
        output.WriteLine($"answers served: {load.Served} (A {load.ServedByA}, B {load.ServedByB}), failed: {load.Failures.Count}, cache errors reported (fail-safe): {load.CacheErrors}");
        output.WriteLine($"L2 written again {l2Again.TotalMilliseconds:0} ms after the election (key {writtenKey})");
        output.WriteLine($"answers served before the kill: {servedBeforeKill}; after the election: {load.ServedAfter(electedAt)}");
        output.WriteLine($"status after: {a.GetRequiredService<RedisConnection>().Health.Status} ({a.GetRequiredService<RedisConnection>().Health.Endpoint})");

        // Assert
        Assert.Equal(RedisStatus.Connected, statusBefore.Status);
        Assert.Contains("via 3 Sentinels", statusBefore.Endpoint);
        Assert.Equal(CacheLevel.L2, warmedFromL2OnB.Cache.Level);
        Assert.NotSame(oldPrimary, newPrimary);
        Assert.Empty(load.Failures);
        Assert.True(load.ServedAfter(electedAt) > 0, "answers were served after the election");
        Assert.InRange(l2Again, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Equal(CacheStatus.Miss, afterClearOnB.Cache.Status);
        Assert.Equal(executionsBeforeClear + 1, node.Executions);
        Assert.Equal(RedisStatus.Connected, a.GetRequiredService<RedisConnection>().Health.Status);
        Assert.Contains(newPrimary.Endpoint, a.GetRequiredService<RedisConnection>().Health.Endpoint);
    }

    [Fact]
    public async Task InvokeAsync_SentinelsDownAtStartup_RunsOnL1ThenConnectsAndSubscribes()
    {
        // Arrange: the instances start before any Sentinel does
        using var cluster = new RedisSentinelCluster();
        await using var a = CacheTestKit.CreateProvider(cluster.ConnectionString);
        await using var b = CacheTestKit.CreateProvider(cluster.ConnectionString);
        var node = new ProbeNode();
        var wf = CacheTestKit.NewWorkflowId();
        var definition = CacheTestKit.Definition();
        var whileDown = await CacheTestKit.RunAsync(a, node, definition, wf, "early");
        var againWhileDown = await CacheTestKit.RunAsync(a, node, definition, wf, "early");
        var health = a.GetRequiredService<RedisConnection>().Health;

        // Act
        await cluster.StartAsync();
        await WaitUntilConnectedAsync(a, b);
        var attempt = 0;
        var sharedRun = await CacheTestKit.EventuallyAsync(async () =>
        {
            var question = $"late {attempt++}";
            await CacheTestKit.RunAsync(a, node, definition, wf, question);
            return await CacheTestKit.RunAsync(b, node, definition, wf, question);
        }, r => r.Cache is { Status: CacheStatus.Hit, Level: CacheLevel.L2 }, TimeSpan.FromSeconds(10), "an L2 hit on B for an answer written by A");
        // B subscribes in a background retry once a primary is there; what A publishes before then is not heard.
        await b.GetRequiredService<CacheInvalidation>().Listening.WaitAsync(TimeSpan.FromSeconds(10));
        var heardOnB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = b.GetRequiredService<ICacheInvalidation>().OnWorkflowCleared((id, _) =>
        {
            heardOnB.TrySetResult();
            return Task.CompletedTask;
        });
        await a.GetRequiredService<ICacheInvalidation>().ClearWorkflowAsync(wf);
        await heardOnB.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        Assert.Equal(RedisStatus.Down, health.Status);
        Assert.Contains("no primary reachable", health.Endpoint);
        Assert.Equal("answer to early (Answer briefly.)", whileDown.Text);
        Assert.Equal(CacheLevel.L1, againWhileDown.Cache.Level);
        Assert.Equal(CacheLevel.L2, sharedRun.Cache.Level);
        Assert.Equal(RedisStatus.Connected, a.GetRequiredService<RedisConnection>().Health.Status);
    }

    /// <summary>Waits until both instances reach a primary; on a timeout the message says where each one stands.</summary>
    private static async Task WaitUntilConnectedAsync(IServiceProvider a, IServiceProvider b)
    {
        var (first, second) = (a.GetRequiredService<RedisConnection>(), b.GetRequiredService<RedisConnection>());
        try
        {
            await Eventually.WaitUntilAsync(() => Task.FromResult(!first.IsDown && !second.IsDown), TimeSpan.FromSeconds(20),
                "both instances to connect through the Sentinels");
        }
        catch (TimeoutException e)
        {
            static string Describe(RedisConnection c) =>
                $"{c.Health.StatusText} ({c.Health.Detail}), {c.Endpoint}, servers: " +
                (c.Current is { } m ? string.Join("; ", m.GetServers().Select(s => $"{s.EndPoint} {(s.IsConnected ? "up" : "down")}{(s.IsReplica ? " replica" : "")}")) : "none yet");
            throw new TimeoutException($"{e.Message} A: {Describe(first)}. B: {Describe(second)}.", e);
        }
    }

    /// <summary>Cached questions at a steady pace (one every 10 ms, alternating instances); an answer fails when the run
    /// throws or returns other text than the node gives.</summary>
    private sealed class PacedLoad(IServiceProvider a, IServiceProvider b, ProbeNode node, WorkflowEngine.Graphs.NodeDefinition definition,
        string workflowId, IReadOnlyList<string> questions)
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<TimeSpan> _servedAt = [];
        private int _servedByA;
        private int _servedByB;
        private int _cacheErrors;

        public List<string> Failures { get; } = [];

        public int Served
        {
            get
            {
                lock (_servedAt)
                {
                    return _servedAt.Count;
                }
            }
        }

        public int ServedByA => Volatile.Read(ref _servedByA);

        public int ServedByB => Volatile.Read(ref _servedByB);

        public int CacheErrors => Volatile.Read(ref _cacheErrors);

        /// <summary>Answers served after <paramref name="since"/> (on this load's clock, started with the test's).</summary>
        public int ServedAfter(TimeSpan since)
        {
            lock (_servedAt)
            {
                return _servedAt.Count(t => t > since);
            }
        }

        /// <summary>Runs until <see cref="StopAsync"/>.</summary>
        public async Task RunAsync()
        {
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
            var i = 0;
            while (!_stop.IsCancellationRequested)
            {
                var onA = i % 2 == 0;
                var question = questions[i % questions.Count];
                i++;
                try
                {
                    var run = await CacheTestKit.RunAsync(onA ? a : b, node, definition, workflowId, question);
                    if (run.Text != $"answer to {question} (Answer briefly.)")
                    {
                        lock (Failures)
                        {
                            Failures.Add($"{question}: {run.Text}");
                        }
                    }
                    else
                    {
                        lock (_servedAt)
                        {
                            _servedAt.Add(_clock.Elapsed);
                        }
                        Interlocked.Increment(ref onA ? ref _servedByA : ref _servedByB);
                        if (run.Cache.Status == CacheStatus.Error)
                        {
                            Interlocked.Increment(ref _cacheErrors);
                        }
                    }
                }
                catch (Exception e)
                {
                    lock (Failures)
                    {
                        Failures.Add($"{question}: {e.GetType().Name}: {e.Message}");
                    }
                }
                await pace.WaitForNextTickAsync();
            }
        }

        /// <summary>Lets the load run for <paramref name="duration"/> in all, then stops it.</summary>
        public async Task StopAsync(Task loading, TimeSpan duration)
        {
            await Eventually.WaitUntilAsync(() => Task.FromResult(_clock.Elapsed >= duration), duration + TimeSpan.FromSeconds(5), "the load's duration");
            await _stop.CancelAsync();
            await loading;
            _stop.Dispose();
        }
    }
}
