using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Locking.Distributed.Redis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace WorkflowEngine.Caching;

/// <summary>
/// The engine's FusionCache: in-process L1 always; Redis L2, backplane (cross-instance L1 invalidation over Pub/Sub) and
/// distributed locker (cross-instance stampede protection) when <c>ConnectionStrings:Redis</c> is set, all on one shared
/// connection. Fail-safe is on, so Redis trouble degrades to L1 instead of failing runs.
/// </summary>
public sealed class EngineCache : IDisposable
{
    private readonly MemoryCache _memory;
    private readonly ConcurrentDictionary<string, byte> _unreadableKeys = new(StringComparer.Ordinal);
    private bool _l2BreakerOpen;

    public EngineCache(IOptions<EngineCacheOptions> options, RedisConnection redis, ILoggerFactory? loggerFactory = null)
    {
        Options = options.Value;
        Redis = redis;
        loggerFactory ??= NullLoggerFactory.Instance;
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = Options.L1SizeLimit, CompactionPercentage = 0.1 });

        var fusionOptions = new FusionCacheOptions
        {
            CacheName = Options.CacheName,
            CacheKeyPrefix = Options.KeyPrefix,
            // The backplane's Pub/Sub channel under the key prefix too (default: the cache name alone), so studios sharing one
            // Redis with different prefixes do not hear each other's invalidations.
            BackplaneChannelPrefix = Options.KeyPrefix + Options.CacheName,
            // Redis keys are exactly prefix + our key (no "v2:" wire-format prefix): readable with redis-cli, and an entry
            // written by another FusionCache version is simply unreadable, which we treat as a miss and overwrite.
            DistributedCacheKeyModifierMode = CacheKeyModifierMode.None,
            DistributedCacheCircuitBreakerDuration = Options.RedisCircuitBreakerDuration,
            BackplaneCircuitBreakerDuration = Options.RedisCircuitBreakerDuration,
            WaitForInitialBackplaneSubscribe = true,
            EnableAutoRecovery = true,
            // Invalidation must really invalidate: an expired-but-kept entry could be served again by fail-safe.
            RemoveByTagBehavior = RemoveByTagBehavior.Remove,
            // The corrupt-entry handler only flags a key; running it inline makes the flag visible to the same call.
            EnableSyncEventHandlersExecution = true,
            SerializationErrorsLogLevel = LogLevel.Warning,
            DistributedCacheErrorsLogLevel = LogLevel.Debug,
            DistributedCacheSyntheticTimeoutsLogLevel = LogLevel.Debug,
            BackplaneErrorsLogLevel = LogLevel.Debug,
            DistributedLockerErrorsLogLevel = LogLevel.Debug,
            FactoryErrorsLogLevel = LogLevel.Debug,
            DefaultEntryOptions = new FusionCacheEntryOptions
            {
                Duration = TimeSpan.FromSeconds(Options.FallbackTtlSeconds),
                Size = 1,
                IsFailSafeEnabled = true,
                FailSafeThrottleDuration = TimeSpan.FromSeconds(5),
                DistributedCacheSoftTimeout = Options.RedisSoftTimeout,
                DistributedCacheHardTimeout = Options.RedisHardTimeout,
                DistributedLockTimeout = Options.DistributedLockTimeout,
                ReThrowSerializationExceptions = false,
                ReThrowDistributedCacheExceptions = false,
                AllowBackgroundDistributedCacheOperations = false,
            },
            TagsDefaultEntryOptions = new FusionCacheEntryOptions
            {
                Duration = TimeSpan.FromDays(10),
                // Not below Duration, or FusionCache logs a warning each time a tag marker is written or read from Redis.
                FailSafeMaxDuration = TimeSpan.FromDays(10),
                DistributedCacheFailSafeMaxDuration = TimeSpan.FromDays(10),
                Size = 1,
                IsFailSafeEnabled = true,
                DistributedCacheSoftTimeout = Options.RedisSoftTimeout,
                DistributedCacheHardTimeout = Options.RedisHardTimeout,
                ReThrowSerializationExceptions = false,
            },
        };
        var fusion = new FusionCache(fusionOptions, _memory, loggerFactory.CreateLogger<FusionCache>());
        if (redis.IsConfigured)
        {
            Func<Task<StackExchange.Redis.IConnectionMultiplexer>> shared = redis.GetAsync;
            var serializer = new FusionCacheSystemTextJsonSerializer(new JsonSerializerOptions(JsonSerializerDefaults.General) { IncludeFields = true });
            fusion.SetupDistributedCache(new RedisCache(new RedisCacheOptions { ConnectionMultiplexerFactory = shared }), serializer);
            fusion.SetupDistributedLocker(new DeferredReleaseLocker(new RedisDistributedLocker(
                new RedisDistributedLockerOptions { ConnectionMultiplexerFactory = shared },
                loggerFactory.CreateLogger<RedisDistributedLocker>()), loggerFactory.CreateLogger<EngineCache>()));
            fusion.SetupBackplane(new RedisBackplane(
                new RedisBackplaneOptions { ConnectionMultiplexerFactory = redis.GetPublishingOnPrimaryAsync },
                loggerFactory.CreateLogger<RedisBackplane>()));
            var logger = loggerFactory.CreateLogger<EngineCache>();
            fusion.Events.Distributed.CircuitBreakerChange += (_, e) => Volatile.Write(ref _l2BreakerOpen, !e.IsClosed);
            fusion.Events.Distributed.DeserializationError += (_, e) =>
            {
                _unreadableKeys[e.Key] = 0;
                Log.CorruptEntry(logger, e.Key);
            };
        }
        Fusion = fusion;
    }

    public EngineCacheOptions Options { get; }

    public RedisConnection Redis { get; }

    /// <summary>The underlying cache, for helpers that store their own entries (use the key kinds of <see cref="NodeCacheKey"/>).</summary>
    public IFusionCache Fusion { get; }

    public bool HasL2 => Redis.IsConfigured;

    /// <summary>False while Redis is unreachable or FusionCache's circuit breaker is skipping it after a failure.</summary>
    public bool IsL2Usable => HasL2 && !Redis.IsDown && !Volatile.Read(ref _l2BreakerOpen);

    /// <summary>Entry options for a node result with the given TTL. The Redis key's TTL is exactly <paramref name="ttl"/>
    /// (fail-safe keeps stale copies in L1 only); L1 keeps it at most <see cref="EngineCacheOptions.L1MaxDuration"/>.</summary>
    public FusionCacheEntryOptions EntryOptions(TimeSpan ttl)
    {
        var options = Fusion.DefaultEntryOptions.Duplicate(ttl);
        ApplyTtl(options, ttl);
        if (HasL2 && !IsL2Usable)
        {
            // A lock in Redis is pointless while Redis cannot hold the result, and one taken during a blip may be left
            // behind (seen: the L2 write skipped by the open circuit breaker, the lock kept for its 30 s expiry, and a
            // second instance waiting all that time).
            options.SkipDistributedLocker = true;
        }
        return options;
    }

    private static readonly TimeSpan RedisSecondsRoundingAllowance = TimeSpan.FromMilliseconds(999);

    /// <summary>Changes an entry's TTL (inside a factory, e.g. for a negative result).</summary>
    public void ApplyTtl(FusionCacheEntryOptions options, TimeSpan ttl)
    {
        options.Duration = ttl;
        // With fail-safe on, FusionCache sets the Redis expiry to the fail-safe maximum; pin it to the TTL so `TTL key`
        // shows what the node's settings say and Redis drops the entry then. FusionCache passes an absolute expiry and
        // the Redis client turns it back into whole seconds, rounding down: a 2 s TTL became 1 s (PTTL 955 ms) and
        // 600 s became 599 s. The extra 999 ms makes the whole seconds come out at the TTL; the entry's own (logical)
        // expiry stays at the TTL, so a read in that last second treats it as expired.
        options.DistributedCacheDuration = ttl;
        options.DistributedCacheFailSafeMaxDuration = ttl + RedisSecondsRoundingAllowance;
        options.FailSafeMaxDuration = ttl + ttl;
        if (Options.L1MaxDuration <= TimeSpan.Zero)
        {
            options.SkipMemoryCacheRead = true;
            options.SkipMemoryCacheWrite = true;
        }
        else
        {
            options.MemoryCacheDuration = ttl < Options.L1MaxDuration ? ttl : Options.L1MaxDuration;
        }
    }

    /// <summary>Options for a read that looks at L1 only.</summary>
    public FusionCacheEntryOptions L1OnlyReadOptions { get; } = new() { SkipDistributedCacheRead = true, SkipDistributedCacheWrite = true, Size = 1 };

    /// <summary>True (once) when reading <paramref name="key"/> from Redis found an unreadable entry.</summary>
    internal bool TakeUnreadable(string key) => !_unreadableKeys.IsEmpty && _unreadableKeys.TryRemove(Options.KeyPrefix + key, out _);

    public void Dispose()
    {
        Fusion.Dispose();
        _memory.Dispose();
    }
}
