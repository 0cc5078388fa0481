using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace WorkflowEngine.Caching;

public enum RedisStatus
{
    /// <summary><c>ConnectionStrings:Redis</c> is not set: the cache is in-process only.</summary>
    Disabled,
    Connected,
    /// <summary>Configured but unreachable: runs continue on L1 only and reconnect automatically.</summary>
    Down,
}

/// <summary>Redis as the studio and <c>/health</c> see it.</summary>
public sealed record RedisHealth(RedisStatus Status, string? Endpoint, string? Detail, DateTimeOffset Since)
{
    /// <summary>connected, disabled or down.</summary>
    public string StatusText => Status switch
    {
        RedisStatus.Connected => "connected",
        RedisStatus.Down => "down",
        _ => "disabled",
    };
}

/// <summary>
/// The one StackExchange.Redis connection shared by the L2 cache, the backplane, the distributed locker and the
/// knowledge-base change channel. Commands fail fast while disconnected (no backlog) so a Redis outage costs
/// microseconds per operation, not a timeout; the multiplexer reconnects on its own.
/// With <c>serviceName=</c> in the connection string the endpoints are Sentinels: StackExchange.Redis asks them for the
/// primary, connects to it and its replicas, and follows a failover (the Sentinels' <c>+switch-master</c> notice, and a
/// once-a-second check while the primary is lost). Redis counts as connected only while a primary is reachable, so during a
/// failover the cache runs on L1 (fail-safe) and the status says so.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions? _configuration;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Task<IConnectionMultiplexer>? _firstAttempt;
    private Task<IConnectionMultiplexer>? _connection;
    private DateTimeOffset _since;
    private string? _lastFailure;
    private string? _primary;

    public RedisConnection(IConfiguration configuration, TimeProvider time, ILogger<RedisConnection>? logger = null)
        : this(configuration.GetConnectionString("Redis"), time, logger)
    {
    }

    internal RedisConnection(string? connectionString, TimeProvider time, ILogger? logger = null)
    {
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _since = time.GetUtcNow();
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }
        try
        {
            _configuration = ConfigurationOptions.Parse(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or NotSupportedException)
        {
            throw new InvalidOperationException($"ConnectionStrings:Redis is not a valid StackExchange.Redis configuration string: {e.Message}", e);
        }
        _configuration.AbortOnConnectFail = false;
        _configuration.BacklogPolicy = BacklogPolicy.FailFast;
        // Retry every half second while Redis is away (the default backs off to many seconds), so L2 resumes soon after it returns.
        _configuration.ReconnectRetryPolicy ??= new LinearRetry(500);
        if (IsSentinel)
        {
            ReserveThreadsForSentinelFailover();
        }
        // Start connecting at once so the first runs find Redis ready (the cache's first Redis command must not wait for it).
        _firstAttempt = ConnectAsync();
        _connection = _firstAttempt;
    }

    /// <summary>Minimum thread-pool workers while Sentinel manages the connection.</summary>
    internal const int SentinelMinWorkerThreads = 32;

    /// <summary>StackExchange.Redis follows a Sentinel failover with blocking calls on thread-pool threads (the switch's
    /// <c>ReconfigureAsync(...).Wait()</c>, sentinel queries, a retry timer per connection), each waiting up to the connect
    /// timeout for the dead primary. With the default minimum (one worker per core) the pool starved on a 2-core machine:
    /// cached answers dropped from 100/s to about 10/s and the failover took 10 s instead of 2.3 s to be followed (see
    /// docs/benchmarks.md, Redis Sentinel failover). Raising the minimum lets the pool start threads for them at once.</summary>
    private void ReserveThreadsForSentinelFailover()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        if (workers < SentinelMinWorkerThreads)
        {
            ThreadPool.SetMinThreads(SentinelMinWorkerThreads, io);
            Log.ThreadPoolMinimumRaised(_logger, workers, SentinelMinWorkerThreads);
        }
    }

    /// <summary>Waits until the first connection attempt has finished (connected or not); for startup and tests.</summary>
    public async Task<bool> WaitForConnectionAttemptAsync()
    {
        if (_firstAttempt is null)
        {
            return false;
        }
        try
        {
            var multiplexer = await _firstAttempt.ConfigureAwait(false);
            return HasPrimary(multiplexer);
        }
        catch (RedisException)
        {
            return false;
        }
    }

    public bool IsConfigured => _configuration is not null;

    /// <summary>True when the endpoints are Sentinels (<c>serviceName=</c> is set).</summary>
    public bool IsSentinel => !string.IsNullOrEmpty(_configuration?.ServiceName);

    /// <summary>Where Redis is, for the status and logs: the endpoint, or with Sentinel the current primary and the service.</summary>
    public string? Endpoint => _configuration switch
    {
        null => null,
        { ServiceName: { Length: > 0 } } c => $"{(Current is { } m ? CurrentPrimary(m) : null) ?? "no primary reachable"} (service {c.ServiceName} via {c.EndPoints.Count} Sentinels)",
        var c => c.EndPoints.FirstOrDefault()?.ToString(),
    };

    /// <summary>The shared connection (usable while Redis is down, it reconnects by itself). Should creating a Sentinel-managed
    /// connection have failed, this throws <see cref="RedisConnectionException"/> (as any command would) while a new attempt
    /// runs in the background.</summary>
    public Task<IConnectionMultiplexer> GetAsync() =>
        Volatile.Read(ref _connection) ?? throw new InvalidOperationException("Redis is not configured (ConnectionStrings:Redis is empty).");

    /// <summary>The connection if it has been created already, without waiting.</summary>
    internal IConnectionMultiplexer? Current =>
        Volatile.Read(ref _connection) is { IsCompletedSuccessfully: true } task ? task.Result : null;

    /// <summary>Publishes on the primary. StackExchange.Redis would send it through the server that holds this connection's
    /// own subscription to the channel, which can be a replica (a subscription made while the roles were still being found
    /// out stays there); a replica delivers to its own subscribers only, so the other instances would never hear it. One
    /// published on the primary reaches the replicas' subscribers too (replication carries it). Without a primary this
    /// throws <see cref="RedisConnectionException"/> at once, as any command does.</summary>
    /// <returns>How many subscribers of the primary received it (the replicas' subscribers are not counted).</returns>
    public async Task<long> PublishAsync(RedisChannel channel, RedisValue message)
    {
        var primary = Primary(await GetAsync().ConfigureAwait(false)) ?? throw NoPrimaryToPublishOn();
        return (long)await primary.ExecuteAsync("PUBLISH", ChannelName(channel), message).ConfigureAwait(false);
    }

    /// <summary><see cref="PublishAsync"/> for callers that cannot wait asynchronously (FusionCache's synchronous calls).</summary>
    public long Publish(RedisChannel channel, RedisValue message)
    {
        var primary = (Current is { } multiplexer ? Primary(multiplexer) : null) ?? throw NoPrimaryToPublishOn();
        return (long)primary.Execute("PUBLISH", ChannelName(channel), message);
    }

    /// <summary>The shared connection as FusionCache's backplane gets it: publishing on the primary
    /// (<see cref="PrimaryPublishingMultiplexer"/>).</summary>
    internal async Task<IConnectionMultiplexer> GetPublishingOnPrimaryAsync() =>
        PrimaryPublishingMultiplexer.Wrap(await GetAsync().ConfigureAwait(false), this);

    private string ChannelName(RedisChannel channel) =>
        (_configuration!.ChannelPrefix is { IsNullOrEmpty: false } prefix ? prefix.ToString() : "") + channel.ToString();

    private static RedisConnectionException NoPrimaryToPublishOn() =>
        new(ConnectionFailureType.UnableToConnect, CommandFlags.None, "No Redis primary is reachable to publish on.", null, CommandStatus.Unknown);

    /// <summary>Raised when a connection to a Redis server fails (any server of a Sentinel-managed connection): Pub/Sub
    /// messages published until the subscriptions hold again are not heard. Raised on a StackExchange.Redis thread; handlers
    /// must return at once.</summary>
    public event Action? Interrupted;

    /// <summary>Whether this instance hears <paramref name="channel"/> now: a primary is reachable and the server that
    /// carries the subscription is connected.</summary>
    public bool Hears(RedisChannel channel) =>
        !IsDown && Current is { } multiplexer
        // Where the subscription is now (StackExchange.Redis's IsConnected(channel) answers for any primary while the
        // subscription is not placed yet, as between a reconnect and its SUBSCRIBE).
        && multiplexer.GetSubscriber().SubscribedEndpoint(channel) is { } endpoint
        && multiplexer.GetServer(endpoint).IsConnected;

    /// <summary>Subscribes <paramref name="handler"/> to a Pub/Sub channel of the shared connection; StackExchange.Redis keeps
    /// it across reconnects and Sentinel failovers. It restores only subscriptions that once succeeded, so while Redis (or,
    /// with Sentinel, a primary) is unreachable the subscription is tried again every second in the background.</summary>
    public RedisSubscription Subscribe(RedisChannel channel, Action<RedisValue> handler)
    {
        // One delegate for every attempt, so that one a failed attempt left registered can be taken off again.
        Action<RedisChannel, RedisValue> onMessage = (_, value) => handler(value);
        var firstAttempt = TrySubscribeAsync(channel, onMessage);
        return new RedisSubscription(firstAttempt, HoldAsync(firstAttempt, channel, onMessage));
    }

    private async Task HoldAsync(Task<bool> firstAttempt, RedisChannel channel, Action<RedisChannel, RedisValue> handler)
    {
        if (await firstAttempt.ConfigureAwait(false))
        {
            return;
        }
        Log.SubscribeFailed(_logger, channel.ToString());
        using var retry = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        while (await retry.WaitForNextTickAsync(_disposing.Token).ConfigureAwait(false))
        {
            if (await TrySubscribeAsync(channel, handler).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private async Task<bool> TrySubscribeAsync(RedisChannel channel, Action<RedisChannel, RedisValue> handler)
    {
        ISubscriber? subscriber = null;
        try
        {
            subscriber = (await GetAsync().ConfigureAwait(false)).GetSubscriber();
            await subscriber.SubscribeAsync(channel, handler).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // StackExchange.Redis registers the handler before it sends SUBSCRIBE: left there, the next attempt would add it
            // twice and every message would run it twice.
            try
            {
                subscriber?.Unsubscribe(channel, handler, CommandFlags.FireAndForget);
            }
            catch (Exception again) when (again is RedisException or TimeoutException)
            {
                // Nothing was registered after all.
            }
            return false;
        }
    }

    public RedisHealth Health
    {
        get
        {
            if (!IsConfigured)
            {
                return new RedisHealth(RedisStatus.Disabled, null, "ConnectionStrings:Redis is not set: results are cached in this process only.", _since);
            }
            return !IsDown
                ? new RedisHealth(RedisStatus.Connected, Endpoint, null, _since)
                : new RedisHealth(RedisStatus.Down, Endpoint, _lastFailure ?? "Not connected yet.", _since);
        }
    }

    public bool IsDown => IsConfigured && !(Current is { } multiplexer && HasPrimary(multiplexer));

    /// <summary>A plain connection is up when its endpoint is; a Sentinel-managed one only while it reaches a primary (its
    /// replicas stay connected during a failover, but nothing can be written to them).</summary>
    private bool HasPrimary(IConnectionMultiplexer multiplexer) =>
        multiplexer.IsConnected && (!IsSentinel || CurrentPrimary(multiplexer) is not null);

    private static string? CurrentPrimary(IConnectionMultiplexer multiplexer) => Primary(multiplexer)?.EndPoint.ToString();

    private static IServer? Primary(IConnectionMultiplexer multiplexer)
    {
        foreach (var server in multiplexer.GetServers())
        {
            if (server.IsConnected && !server.IsReplica)
            {
                return server;
            }
        }
        return null;
    }

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        try
        {
            return await CreateAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (IsSentinel && e is RedisException or TimeoutException)
        {
            // StackExchange.Redis 3.4 returns a Sentinel-managed multiplexer that keeps asking even when no Sentinel answers
            // (abortConnect=false); its newer sources throw here when no Sentinel names a primary. Either way the studio
            // must start and find Redis later, so a failed attempt is retried in the background.
            _lastFailure = e.Message;
            Log.RedisConnectionFailed(_logger, Endpoint ?? "", "startup");
            _ = RetrySentinelConnectAsync();
            // Callers of GetAsync handle a connection failure; a timeout is one too.
            if (e is RedisConnectionException)
            {
                throw;
            }
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, e.Message, e, CommandStatus.Unknown);
        }
    }

    private async Task<IConnectionMultiplexer> CreateAsync()
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration!).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, e) =>
        {
            _lastFailure = $"{e.FailureType}: {e.Exception?.Message}";
            _since = _time.GetUtcNow();
            Log.RedisConnectionFailed(_logger, e.EndPoint?.ToString() ?? Endpoint ?? "", e.FailureType.ToString());
            Interrupted?.Invoke();
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            _lastFailure = null;
            _since = _time.GetUtcNow();
            Log.RedisConnectionRestored(_logger, e.EndPoint?.ToString() ?? Endpoint ?? "");
        };
        if (IsSentinel)
        {
            // A failover changes which server is primary without a restored connection: note it when the topology changes.
            Volatile.Write(ref _primary, CurrentPrimary(multiplexer));
            multiplexer.ConfigurationChanged += (_, _) => NotePrimary(multiplexer);
        }
        if (!multiplexer.IsConnected)
        {
            _lastFailure = "Could not connect at startup; retrying in the background.";
            Log.RedisConnectionFailed(_logger, Endpoint ?? "", "startup");
        }
        return multiplexer;
    }

    private void NotePrimary(IConnectionMultiplexer multiplexer)
    {
        var primary = CurrentPrimary(multiplexer);
        if (primary is null || primary == Volatile.Read(ref _primary))
        {
            return;
        }
        Volatile.Write(ref _primary, primary);
        _lastFailure = null;
        _since = _time.GetUtcNow();
        Log.RedisPrimaryChanged(_logger, primary, _configuration!.ServiceName ?? "");
    }

    private async Task RetrySentinelConnectAsync()
    {
        while (!_disposing.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), _time, _disposing.Token).ConfigureAwait(false);
                var multiplexer = await CreateAsync().ConfigureAwait(false);
                if (_disposing.IsCancellationRequested)
                {
                    await multiplexer.DisposeAsync().ConfigureAwait(false);
                    return;
                }
                Volatile.Write(ref _connection, Task.FromResult(multiplexer));
                _lastFailure = null;
                _since = _time.GetUtcNow();
                Log.RedisConnectionRestored(_logger, Endpoint ?? "");
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // A timeout too (a busy Sentinel): this loop is the only one that will ever connect, so it must not end here.
                _lastFailure = e.Message;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _connection) is { } connection)
        {
            try
            {
                var multiplexer = await connection.ConfigureAwait(false);
                await multiplexer.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or NullReferenceException or ObjectDisposedException or InvalidOperationException)
            {
                // Nothing left to release. StackExchange.Redis 3.4 can throw a NullReferenceException from its own close
                // (ConnectionMultiplexer.AllComplete) when Redis went away under it; shutting down must not fail on that.
                Log.RedisDisposeFailed(_logger, e.GetType().Name, e.Message);
            }
        }
    }
}

/// <summary>A Pub/Sub subscription made while Redis may be away.</summary>
/// <param name="FirstAttempt">Whether the subscription held at once; completes quickly even while Redis is down.</param>
/// <param name="Held">Completes once the subscription holds (then, after a background retry, when Redis was unreachable at
/// first); cancelled when the connection is disposed before that. Messages published before it completes are not heard.</param>
public sealed record RedisSubscription(Task<bool> FirstAttempt, Task Held);
