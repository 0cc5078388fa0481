namespace WorkflowEngine.Caching;

public enum CacheStatus
{
    /// <summary>Caching is off for the node.</summary>
    Bypass,
    Hit,
    Miss,
    /// <summary>A cached "nothing found" was reused.</summary>
    NegativeHit,
    /// <summary>Cache trouble (Redis down, corrupt entry); the node still ran.</summary>
    Error,
}

public enum CacheLevel
{
    L1,
    L2,
}

/// <summary>How a node run used the cache. <see cref="Saved"/> is the node's last measured miss time, on hits.</summary>
public sealed record CacheOutcome(CacheStatus Status, CacheLevel? Level = null, TimeSpan? Saved = null, string? Detail = null)
{
    public static CacheOutcome Bypass { get; } = new(CacheStatus.Bypass);
    public static CacheOutcome Miss { get; } = new(CacheStatus.Miss);

    /// <summary>The wire form used by the API and trace: hit, miss, negative-hit, bypass, error.</summary>
    public string StatusText => Status switch
    {
        CacheStatus.Hit => "hit",
        CacheStatus.Miss => "miss",
        CacheStatus.NegativeHit => "negative-hit",
        CacheStatus.Error => "error",
        _ => "bypass",
    };
}
