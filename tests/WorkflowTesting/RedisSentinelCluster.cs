using System.Diagnostics;
using Xunit;

namespace WorkflowTesting;

/// <summary>
/// A Redis primary, one replica and three Sentinels (quorum 2) on free loopback ports, each a real <c>redis-server</c> in its
/// own temp directory, tuned to fail over within a few seconds: a node is down after <see cref="DownAfter"/> without an answer,
/// and a failed failover is retried after <see cref="FailoverTimeout"/>. <see cref="KillPrimaryAndWaitForFailoverAsync"/> is
/// the outage; it returns when every Sentinel names the replica as primary and that server says it is one. Disposing kills all
/// five processes and deletes their directories.
/// </summary>
public sealed class RedisSentinelCluster : IAsyncLifetime, IDisposable
{
    public const string ServiceName = "wfprimary";

    /// <summary>How long a Sentinel waits without an answer before it calls a node down (production: 5–30 s).</summary>
    public static readonly TimeSpan DownAfter = TimeSpan.FromMilliseconds(1000);

    /// <summary>After this a stuck failover is tried again (production: minutes).</summary>
    public static readonly TimeSpan FailoverTimeout = TimeSpan.FromMilliseconds(3000);

    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(20);
    private readonly List<RedisServer> _dataNodes;
    private bool _disposed;

    public RedisSentinelCluster()
    {
        var primary = new RedisServer();
        _dataNodes = [primary, RedisServer.ReplicaOf(primary)];
        Sentinels = [.. Enumerable.Range(0, 3).Select(_ => RedisServer.Sentinel(primary, ServiceName, quorum: 2, DownAfter, FailoverTimeout))];
    }

    public IReadOnlyList<RedisServer> Sentinels { get; }

    /// <summary>The primary and the replica, in start order (the first is the primary until a failover).</summary>
    public IReadOnlyList<RedisServer> DataNodes => _dataNodes;

    /// <summary>What <c>ConnectionStrings:Redis</c> holds: the Sentinels and the service name; StackExchange.Redis asks the
    /// Sentinels for the primary and follows failovers.</summary>
    public string ConnectionString =>
        string.Join(',', Sentinels.Select(s => s.Endpoint)) + $",serviceName={ServiceName},abortConnect=false,connectTimeout=2000";

    /// <summary>Starts the data nodes and the Sentinels and waits until the replica is in sync and every Sentinel names the
    /// primary (enough to connect; <see cref="KillPrimaryAndWaitForFailoverAsync"/> waits for what a failover needs).</summary>
    public async Task StartAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var node in _dataNodes)
        {
            node.Start();
        }
        await WaitAsync(async () => (await _dataNodes[1].CommandAsync("INFO", "replication"))?.Contains("master_link_status:up") == true,
            "the replica to sync with the primary");
        foreach (var sentinel in Sentinels)
        {
            sentinel.Start();
        }
        await WaitAsync(async () => await AgreedPrimaryAsync() == _dataNodes[0], "the Sentinels to name the primary");
    }

    /// <summary>Waits until every Sentinel knows the replica and the two other Sentinels (they find each other through the
    /// primary's hello channel, every 2 s): before that a failover could not be agreed.</summary>
    public async Task WaitUntilReadyForFailoverAsync()
    {
        foreach (var sentinel in Sentinels)
        {
            await WaitAsync(async () =>
                    !string.IsNullOrEmpty(await sentinel.CommandAsync("SENTINEL", "REPLICAS", ServiceName))
                    && (await sentinel.CommandAsync("SENTINEL", "SENTINELS", ServiceName) ?? "").Split('\n').Count(l => l == "runid") == Sentinels.Count - 1,
                $"Sentinel {sentinel.Endpoint} to discover the replica and the other Sentinels");
        }
    }

    /// <summary>The data node that every Sentinel currently names as primary, or null while they disagree.</summary>
    public async Task<RedisServer?> AgreedPrimaryAsync()
    {
        var ports = new HashSet<string>();
        foreach (var sentinel in Sentinels.Where(s => s.IsRunning))
        {
            var address = await sentinel.CommandAsync("SENTINEL", "GET-MASTER-ADDR-BY-NAME", ServiceName);
            ports.Add(address?.Split('\n').LastOrDefault() ?? "");
        }
        return ports.Count == 1 ? _dataNodes.FirstOrDefault(n => n.Port.ToString() == ports.First()) : null;
    }

    /// <summary>Once the Sentinels could agree on a failover, kills the current primary and waits until they agree on the
    /// other node and it reports the primary role. Returns the new primary and the time from the kill to that moment.</summary>
    public async Task<(RedisServer Primary, TimeSpan Failover)> KillPrimaryAndWaitForFailoverAsync(TimeSpan timeout)
    {
        await WaitUntilReadyForFailoverAsync();
        var old = await AgreedPrimaryAsync() ?? throw new InvalidOperationException("The Sentinels do not agree on a primary.");
        var clock = Stopwatch.StartNew();
        old.Stop();
        RedisServer? elected = null;
        await Eventually.WaitUntilAsync(async () =>
        {
            elected = await AgreedPrimaryAsync();
            return elected is not null && elected != old
                   && (await elected.CommandAsync("ROLE"))?.StartsWith("master", StringComparison.Ordinal) == true;
        }, timeout, "the Sentinels to elect a new primary", TimeSpan.FromMilliseconds(20));
        return (elected!, clock.Elapsed);
    }

    /// <summary>The Sentinels' and data nodes' output (for failure messages).</summary>
    public string Log => string.Join('\n', _dataNodes.Concat(Sentinels).Select(s => $"--- {s.Endpoint}\n{s.Log}"));

    private static Task WaitAsync(Func<Task<bool>> condition, string what) =>
        Eventually.WaitUntilAsync(async () =>
        {
            try
            {
                return await condition();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                return false;
            }
        }, SetupTimeout, what);

    public Task InitializeAsync() => StartAsync();

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var server in Sentinels.Concat(_dataNodes))
        {
            server.Dispose();
        }
    }
}
