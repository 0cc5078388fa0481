using System.Text.Json;
using StackExchange.Redis;

namespace WorkflowEngine.Caching.Semantic;

/// <summary>Where semantic-cache entries are shared between engine instances. Each instance keeps its own
/// <see cref="SemanticIndex"/> per scope and pulls entries it has not seen when the scope's version moved.</summary>
public interface ISemanticEntryStore
{
    /// <summary>False when entries stay in this process (no Redis configured).</summary>
    bool IsShared { get; }

    /// <summary>Stores <paramref name="entry"/> for <paramref name="ttl"/> and bumps the scope's version.</summary>
    ValueTask AddAsync(string scope, SemanticEntry entry, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>The scope's version (bumped on every add); 0 when it has no entries.</summary>
    ValueTask<long> GetVersionAsync(string scope, CancellationToken cancellationToken);

    /// <summary>The scope's live entries whose ids are not in <paramref name="known"/>, with their expiry times.</summary>
    ValueTask<IReadOnlyList<(SemanticEntry Entry, DateTimeOffset ExpiresAt)>> LoadAsync(string scope, Func<string, bool> known, CancellationToken cancellationToken);

    /// <summary>Deletes one entry of the scope (an answer reported wrong); instances that hold it in memory drop it on the
    /// announcement (<see cref="ICacheInvalidation.OnAnswerRejected"/>), and none loads it again.</summary>
    ValueTask RemoveAsync(string scope, string id, CancellationToken cancellationToken);

    /// <summary>Deletes every scope whose key starts with <paramref name="scopePrefix"/> (e.g. <c>"wf1:"</c> or
    /// <c>"wf1:cache:"</c>); returns the number of keys removed.</summary>
    ValueTask<long> ClearAsync(string scopePrefix, CancellationToken cancellationToken);
}

/// <summary>
/// Semantic entries in Redis, per scope, under the engine's key prefix (<see cref="EngineCacheOptions.KeyPrefix"/>, so studios
/// sharing one Redis neither read nor clear each other's): <c>{prefix}sem:{scope}:e:{id}</c> (the entry as JSON, expiring
/// with the node's TTL), <c>{prefix}sem:{scope}:ids</c> (a set of ids; ids whose entry expired are pruned on load) and
/// <c>{prefix}sem:{scope}:ver</c> (a counter bumped on each add, so instances re-sync only when something changed: one GET
/// per local miss).
/// Uses the engine's one Redis connection (<see cref="RedisConnection"/>, fail-fast while Redis is down); callers treat
/// <see cref="RedisException"/> as "use what is in process".
/// </summary>
public sealed class RedisSemanticEntryStore(EngineCache cache, TimeProvider time) : ISemanticEntryStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly RedisConnection _redis = cache.Redis;
    private readonly string _keyPrefix = cache.Options.KeyPrefix + "sem:";

    public bool IsShared => _redis.IsConfigured;

    public async ValueTask AddAsync(string scope, SemanticEntry entry, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var db = (await _redis.GetAsync().ConfigureAwait(false)).GetDatabase();
        var transaction = db.CreateTransaction();
        _ = transaction.StringSetAsync(EntryKey(scope, entry.Id), JsonSerializer.Serialize(entry, Json), ttl);
        _ = transaction.SetAddAsync(IdsKey(scope), entry.Id);
        // A scope's entries share the gate's TTL, so the newest add always carries the latest expiry.
        _ = transaction.KeyExpireAsync(IdsKey(scope), ttl);
        _ = transaction.StringIncrementAsync(VersionKey(scope));
        _ = transaction.KeyExpireAsync(VersionKey(scope), ttl);
        await transaction.ExecuteAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<long> GetVersionAsync(string scope, CancellationToken cancellationToken)
    {
        var db = (await _redis.GetAsync().ConfigureAwait(false)).GetDatabase();
        var value = await db.StringGetAsync(VersionKey(scope)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return value.HasValue && long.TryParse(value.ToString(), out var version) ? version : 0;
    }

    public async ValueTask<IReadOnlyList<(SemanticEntry Entry, DateTimeOffset ExpiresAt)>> LoadAsync(string scope, Func<string, bool> known, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(known);
        var db = (await _redis.GetAsync().ConfigureAwait(false)).GetDatabase();
        var ids = (await db.SetMembersAsync(IdsKey(scope)).WaitAsync(cancellationToken).ConfigureAwait(false))
            .Select(v => v.ToString())
            .Where(id => !known(id))
            .ToList();
        var result = new List<(SemanticEntry, DateTimeOffset)>(ids.Count);
        var gone = new List<RedisValue>();
        var now = time.GetUtcNow();
        foreach (var id in ids)
        {
            var lease = await db.StringGetWithExpiryAsync(EntryKey(scope, id)).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!lease.Value.HasValue)
            {
                gone.Add(id);
                continue;
            }

            var entry = JsonSerializer.Deserialize<SemanticEntry>(lease.Value.ToString(), Json);
            if (entry is not null)
            {
                result.Add((entry, now + (lease.Expiry ?? TimeSpan.FromDays(1))));
            }
        }

        if (gone.Count > 0)
        {
            await db.SetRemoveAsync(IdsKey(scope), [.. gone]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public async ValueTask RemoveAsync(string scope, string id, CancellationToken cancellationToken)
    {
        var db = (await _redis.GetAsync().ConfigureAwait(false)).GetDatabase();
        var transaction = db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(EntryKey(scope, id));
        _ = transaction.SetRemoveAsync(IdsKey(scope), id);
        await transaction.ExecuteAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SCAN with a MATCH pattern (never KEYS, which blocks Redis for the whole keyspace) and UNLINK (deletion of the
    /// values happens off Redis's main thread) in batches.</summary>
    public async ValueTask<long> ClearAsync(string scopePrefix, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(scopePrefix);
        var db = (await _redis.GetAsync().ConfigureAwait(false)).GetDatabase();
        var pattern = EscapeGlob(_keyPrefix + scopePrefix) + "*";
        var cursor = "0";
        long removed = 0;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reply = (RedisResult[])(await db.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", 500).WaitAsync(cancellationToken).ConfigureAwait(false))!;
            cursor = reply[0].ToString();
            var keys = (RedisKey[])reply[1]!;
            if (keys.Length > 0)
            {
                removed += (long)await db.ExecuteAsync("UNLINK", [.. keys.Select(k => (object)k)]).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        while (cursor != "0");

        return removed;
    }

    private static string EscapeGlob(string text)
    {
        var escaped = new System.Text.StringBuilder(text.Length);
        foreach (var ch in text)
        {
            if (ch is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(ch);
        }

        return escaped.ToString();
    }

    private string EntryKey(string scope, string id) => $"{_keyPrefix}{scope}:e:{id}";

    private string IdsKey(string scope) => $"{_keyPrefix}{scope}:ids";

    private string VersionKey(string scope) => $"{_keyPrefix}{scope}:ver";
}
