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
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions? _configuration;
    private readonly Lazy<Task<IConnectionMultiplexer>>? _connection;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private DateTimeOffset _since;
    private string? _lastFailure;

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
        // Start connecting at once so the first runs find Redis ready (the cache's first Redis command must not wait for it).
        _connection = new Lazy<Task<IConnectionMultiplexer>>(ConnectAsync);
        _ = _connection.Value;
    }

    /// <summary>Waits until the first connection attempt has finished (connected or not); for startup and tests.</summary>
    public async Task<bool> WaitForConnectionAttemptAsync()
    {
        if (_connection is null)
        {
            return false;
        }
        var multiplexer = await _connection.Value.ConfigureAwait(false);
        return multiplexer.IsConnected;
    }

    public bool IsConfigured => _configuration is not null;

    public string? Endpoint => _configuration?.EndPoints.FirstOrDefault()?.ToString();

    /// <summary>The shared connection (created on first use; usable while Redis is down, it reconnects by itself).</summary>
    public Task<IConnectionMultiplexer> GetAsync() =>
        _connection?.Value ?? throw new InvalidOperationException("Redis is not configured (ConnectionStrings:Redis is empty).");

    /// <summary>The connection if it has been created already, without waiting.</summary>
    internal IConnectionMultiplexer? Current =>
        _connection is { IsValueCreated: true } lazy && lazy.Value.IsCompletedSuccessfully ? lazy.Value.Result : null;

    public RedisHealth Health
    {
        get
        {
            if (!IsConfigured)
            {
                return new RedisHealth(RedisStatus.Disabled, null, "ConnectionStrings:Redis is not set: results are cached in this process only.", _since);
            }
            var connected = Current?.IsConnected ?? false;
            return connected
                ? new RedisHealth(RedisStatus.Connected, Endpoint, null, _since)
                : new RedisHealth(RedisStatus.Down, Endpoint, _lastFailure ?? "Not connected yet.", _since);
        }
    }

    public bool IsDown => IsConfigured && !(Current?.IsConnected ?? false);

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration!).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, e) =>
        {
            _lastFailure = $"{e.FailureType}: {e.Exception?.Message}";
            _since = _time.GetUtcNow();
            Log.RedisConnectionFailed(_logger, Endpoint ?? "", e.FailureType.ToString());
        };
        multiplexer.ConnectionRestored += (_, _) =>
        {
            _lastFailure = null;
            _since = _time.GetUtcNow();
            Log.RedisConnectionRestored(_logger, Endpoint ?? "");
        };
        if (!multiplexer.IsConnected)
        {
            _lastFailure = "Could not connect at startup; retrying in the background.";
            Log.RedisConnectionFailed(_logger, Endpoint ?? "", "startup");
        }
        return multiplexer;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { IsValueCreated: true })
        {
            try
            {
                var multiplexer = await _connection.Value.ConfigureAwait(false);
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
