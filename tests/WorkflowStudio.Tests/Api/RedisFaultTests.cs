using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Api;

/// <summary>Redis killed and restarted under load. L1 is turned off for node results (Engine:Cache:L1MaxDuration = 0), so
/// every cache hit normally comes from Redis and the test can see hits resume from Redis after the restart.</summary>
public sealed class RedisFaultTests : IAsyncLifetime
{
    private const int Requests = 2_000;
    private const int Clients = 20;
    private const int KillAt = 500;
    private const int RestartAt = 1_100;

    private readonly RedisServer _redis = new();
    private ApiServer _server = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _server = await ApiServer.StartAsync(_redis, new Dictionary<string, string?> { ["Engine:Cache:L1MaxDuration"] = "00:00:00" });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _redis.Dispose();
    }

    [Fact]
    public async Task Run_RedisKilledAndRestartedUnderLoad_NoFailedResponsesAndHitsResumeFromRedis()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        var (_, key) = await _server.CreateKeyAsync(id);
        using var client = _server.Client(key);
        const string question = "How long does shipping take?";
        (await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = question })).Dispose();
        var warm = await RunAsync(client, id, question);
        Assert.Equal(("hit", "L2"), (warm.Cache, warm.Level));
        var failures = new ConcurrentQueue<string>();
        var outcomes = new ConcurrentDictionary<int, (string? Cache, string? Level)>();
        var next = 0;
        Task? kill = null;
        Task? restart = null;

        // Act
        var workers = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) <= Requests)
            {
                if (n == KillAt)
                {
                    kill = Task.Run(_redis.Stop);
                }
                if (n == RestartAt)
                {
                    restart = Task.Run(_redis.Start);
                }
                try
                {
                    var outcome = await RunAsync(client, id, question);
                    outcomes[n] = (outcome.Cache, outcome.Level);
                }
                catch (Exception ex)
                {
                    failures.Enqueue($"#{n}: {ex.Message}");
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(120));
        await kill!;
        await restart!;
        await Eventually.WaitUntilAsync(
            async () => (await client.GetFromJsonAsync<JsonElement>("health")).GetProperty("redis").GetString() == "connected",
            TimeSpan.FromSeconds(10), "the studio to report Redis connected after its restart");
        // A connected Redis is not yet used: after the last failed call FusionCache's circuit breaker skips Redis for
        // Engine:Cache:RedisCircuitBreakerDuration (2 s), and a fast run of the remaining requests can end inside it.
        var afterRestart = new List<(string? Cache, string? Level)>();
        await Eventually.WaitUntilAsync(async () =>
        {
            afterRestart.Add(await RunAsync(client, id, question));
            return afterRestart[^1] == ("hit", "L2");
        }, TimeSpan.FromSeconds(15), "a run answered from Redis after its restart", TimeSpan.FromMilliseconds(200));

        // Assert
        Assert.Empty(failures);
        Assert.Equal(Requests, outcomes.Count);
        Assert.Contains(outcomes.Where(o => o.Key < KillAt), o => o.Value == ("hit", "L2"));
        Assert.Equal(("hit", "L2"), afterRestart[^1]);
    }

    /// <summary>One /run; throws unless it answered 200 with an answer. Returns the cache gate's outcome and level.</summary>
    private static async Task<(string? Cache, string? Level)> RunAsync(HttpClient client, string id, string question)
    {
        using var response = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = question });
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {text}");
        }
        var body = JsonDocument.Parse(text).RootElement;
        if (string.IsNullOrWhiteSpace(body.GetProperty("answer").GetString()))
        {
            throw new InvalidOperationException("empty answer");
        }
        var gate = body.GetProperty("trace").EnumerateArray().Single(t => t.GetProperty("nodeId").GetString() == "cache");
        return (gate.GetProperty("cache").GetString(), gate.TryGetProperty("level", out var level) && level.ValueKind == JsonValueKind.String ? level.GetString() : null);
    }
}
