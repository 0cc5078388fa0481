using System.ComponentModel.DataAnnotations;

namespace WorkflowEngine.Caching;

/// <summary>Settings of the per-node cache, bound from <c>Engine:Cache</c>. The Redis connection itself is
/// <c>ConnectionStrings:Redis</c> (unset = in-process L1 only).</summary>
public sealed class EngineCacheOptions
{
    public const string SectionName = "Engine:Cache";

    /// <summary>Prefix of every cache key (L1 and Redis) and of every Redis key and Pub/Sub channel the engine uses, so several
    /// studios can share one Redis.</summary>
    /// <value>Default <c>wfs:</c>.</value>
    [Required]
    [RegularExpression(@"^[A-Za-z0-9_\-:.]{1,40}$", ErrorMessage = "Engine:Cache:KeyPrefix may hold only letters, digits and _ - : . (at most 40).")]
    public string KeyPrefix { get; set; } = "wfs:";

    /// <summary>The FusionCache name; instances sharing Redis must use the same one (after <see cref="KeyPrefix"/>, it names the
    /// backplane channel).</summary>
    /// <value>Default <c>WorkflowStudio</c>.</value>
    [Required]
    public string CacheName { get; set; } = "WorkflowStudio";

    /// <summary>Upper bound of the in-process L1, in entries; the least recently used go first when full.</summary>
    /// <value>Default 10 000.</value>
    [Range(1, 10_000_000)]
    public long L1SizeLimit { get; set; } = 10_000;

    /// <summary>Longest time a node result stays in L1 (shorter than in Redis so instances converge). Zero turns L1 off for
    /// node results (every hit then comes from Redis: used by the L2 benchmark).</summary>
    /// <value>Default 5 minutes.</value>
    public TimeSpan L1MaxDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>TTL used when a node's own cache TTL is not set (0), by cache kind.</summary>
    public Dictionary<string, int> DefaultTtlSeconds { get; set; } = new(StringComparer.Ordinal)
    {
        ["clean"] = 3600,
        ["rag_context"] = 1800,
        ["prompt"] = 600,
        ["llm_response"] = 600,
        ["answer"] = 3600,
        ["memory"] = 1800,
    };

    /// <summary>TTL used when a kind has no entry in <see cref="DefaultTtlSeconds"/>.</summary>
    /// <value>Default 600 s.</value>
    [Range(1, 7 * 24 * 3600)]
    public int FallbackTtlSeconds { get; set; } = 600;

    /// <summary>How long a "not found" (retrieve below its minimum score) is remembered.</summary>
    /// <value>Default 60 s.</value>
    [Range(1, 24 * 3600)]
    public int NegativeTtlSeconds { get; set; } = 60;

    /// <summary>A Redis read slower than this is abandoned when an older copy can be served instead.</summary>
    /// <value>Default 50 ms.</value>
    public TimeSpan RedisSoftTimeout { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A Redis operation slower than this is abandoned in any case (the node then runs, L1 keeps working).</summary>
    /// <value>Default 250 ms.</value>
    public TimeSpan RedisHardTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>After a Redis failure, Redis is skipped for this long before it is tried again.</summary>
    /// <value>Default 2 s.</value>
    public TimeSpan RedisCircuitBreakerDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a run waits for another instance computing the same missing entry before computing it itself.</summary>
    /// <value>Default 30 s.</value>
    public TimeSpan DistributedLockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Roughly how many characters each replayed token carries when a cached streamed answer is replayed.</summary>
    /// <value>Default 12.</value>
    [Range(1, 10_000)]
    public int ReplayChunkCharacters { get; set; } = 12;

    public TimeSpan TtlFor(string kind, int nodeTtlSeconds) =>
        TimeSpan.FromSeconds(nodeTtlSeconds > 0
            ? nodeTtlSeconds
            : DefaultTtlSeconds.TryGetValue(kind, out var seconds) && seconds > 0 ? seconds : FallbackTtlSeconds);
}
