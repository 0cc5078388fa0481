using System.Net;
using System.Net.Sockets;
using Bunit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using WorkflowEngine.Caching;
using WorkflowStudio.Components.Layout;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Components.Cache;

/// <summary>The app bar's cache chip on a real <see cref="RedisConnection"/>: a real redis-server, a port nobody listens on,
/// and no Redis configured.</summary>
public sealed class RedisStatusChipTests : BunitContext, IClassFixture<RedisServer>, IAsyncLifetime
{
    private readonly RedisServer _redis;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero));

    public RedisStatusChipTests(RedisServer redis)
    {
        _redis = redis;
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(o => o.PopoverOptions.CheckForPopoverProvider = false);
        Services.RemoveAll<TimeProvider>();
        Services.AddSingleton<TimeProvider>(_time);
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor has services that only dispose asynchronously.
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    [Fact]
    public async Task Render_RedisReachable_ShowsConnected()
    {
        // Arrange
        await using var connection = Connect(_redis.ConnectionString);
        Assert.True(await connection.WaitForConnectionAttemptAsync());

        // Act
        var cut = RenderChip(connection);

        // Assert
        var chip = cut.Find("[data-testid=redis-status]");
        Assert.Equal("connected", chip.GetAttribute("data-status"));
        Assert.Contains("Cache: Redis connected", chip.TextContent);
        Assert.Contains("mud-chip-color-success", chip.ClassName);
    }

    [Fact]
    public async Task Render_RedisThroughSentinels_ShowsConnectedToThePrimary()
    {
        // Arrange: a primary, a replica and three Sentinels; the connection string names only the Sentinels
        using var cluster = new RedisSentinelCluster();
        await cluster.StartAsync();
        await using var connection = Connect(cluster.ConnectionString);
        Assert.True(await connection.WaitForConnectionAttemptAsync());

        // Act
        var cut = RenderChip(connection);

        // Assert
        var chip = cut.Find("[data-testid=redis-status]");
        Assert.Equal("connected", chip.GetAttribute("data-status"));
        Assert.Equal($"{cluster.DataNodes[0].Endpoint} (service {RedisSentinelCluster.ServiceName} via 3 Sentinels)", connection.Health.Endpoint);
    }

    [Fact]
    public async Task Render_RedisUnreachable_ShowsDownInWarningColour()
    {
        // Arrange: a loopback port with nothing listening.
        await using var connection = Connect($"127.0.0.1:{UnusedPort()},abortConnect=false,connectTimeout=500");
        Assert.False(await connection.WaitForConnectionAttemptAsync());

        // Act
        var cut = RenderChip(connection);

        // Assert
        var chip = cut.Find("[data-testid=redis-status]");
        Assert.Equal("down", chip.GetAttribute("data-status"));
        Assert.Contains("Redis down — using in-memory cache", chip.TextContent);
        Assert.Contains("mud-chip-color-warning", chip.ClassName);
    }

    [Fact]
    public async Task Render_RedisNotConfigured_ShowsInMemoryCache()
    {
        // Arrange
        await using var connection = Connect(null);

        // Act
        var cut = RenderChip(connection);

        // Assert
        var chip = cut.Find("[data-testid=redis-status]");
        Assert.Equal("disabled", chip.GetAttribute("data-status"));
        Assert.Contains("In-memory cache", chip.TextContent);
        Assert.DoesNotContain("Redis", chip.TextContent);
    }

    [Fact]
    public async Task Refresh_RedisStopsAndReturns_ChipFollowsOnTheNextTick()
    {
        // Arrange: a server of its own, so stopping it does not disturb the other tests.
        using var redis = new RedisServer();
        await redis.InitializeAsync();
        await using var connection = Connect(redis.ConnectionString);
        Assert.True(await connection.WaitForConnectionAttemptAsync());
        var cut = RenderChip(connection);
        Assert.Equal("connected", cut.Find("[data-testid=redis-status]").GetAttribute("data-status"));

        // Act: Redis goes away; the chip notices on its next timer tick.
        redis.Stop();
        await Eventually.WaitUntilAsync(() => Task.FromResult(connection.Health.Status == RedisStatus.Down), TimeSpan.FromSeconds(20), "the Redis connection to report down");
        var beforeTick = cut.Find("[data-testid=redis-status]").GetAttribute("data-status");
        _time.Advance(RedisStatusChip.RefreshInterval);
        cut.WaitForAssertion(() => Assert.Equal("down", cut.Find("[data-testid=redis-status]").GetAttribute("data-status")));

        // Act: Redis comes back.
        redis.Start();
        await Eventually.WaitUntilAsync(() => Task.FromResult(connection.Health.Status == RedisStatus.Connected), TimeSpan.FromSeconds(20), "the Redis connection to report connected");
        _time.Advance(RedisStatusChip.RefreshInterval);

        // Assert
        Assert.Equal("connected", beforeTick);
        cut.WaitForAssertion(() => Assert.Equal("connected", cut.Find("[data-testid=redis-status]").GetAttribute("data-status")));
    }

    private IRenderedComponent<RedisStatusChip> RenderChip(RedisConnection connection)
    {
        Services.AddSingleton(connection);
        return Render<RedisStatusChip>();
    }

    private RedisConnection Connect(string? connectionString)
    {
        var settings = new Dictionary<string, string?>();
        if (connectionString is not null)
        {
            settings["ConnectionStrings:Redis"] = connectionString;
        }
        return new RedisConnection(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), TimeProvider.System);
    }

    private static int UnusedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
