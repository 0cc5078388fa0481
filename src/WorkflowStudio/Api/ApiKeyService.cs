using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WorkflowEngine.Caching;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Api;

/// <summary>A run key as listed: never the key itself, only its first characters.</summary>
public sealed record ApiKeyInfo(string Id, string WorkflowId, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A newly created run key: <see cref="Key"/> is shown this once and stored only as a SHA-256 hash.</summary>
public sealed record CreatedApiKey(string Id, string WorkflowId, string Name, string Prefix, string Key, DateTimeOffset CreatedAt);

public enum KeyCheck
{
    Missing,
    Invalid,
    Revoked,
    Admin,
    RunKey,
}

/// <summary>The outcome of checking a bearer key; <see cref="Key"/> is set for run keys.</summary>
public sealed record KeyCheckResult(KeyCheck Result, ApiKeyInfo? Key = null);

/// <summary>
/// Run keys per workflow (create, list, revoke, check) and the admin key check. Keys are 256 random bits; only their SHA-256
/// is stored. A presented key is hashed and looked up by hash, and hashes are compared with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, so timing reveals nothing about a stored key. Checked keys are
/// remembered for <see cref="Remember"/> (a run request then costs no database read). Revoking forgets the key at once on
/// this instance and, when Redis is configured, announces it on a Pub/Sub channel so every other instance sharing the database
/// forgets it too; without Redis (or while it is down) another instance refuses the key once its memory of it expires.
/// </summary>
public sealed class ApiKeyService
{
    public const string KeyPrefix = "wfs_";

    /// <summary>How long a checked key is remembered: the longest another instance may still accept a revoked key when the
    /// revocation notice cannot travel (no Redis, or Redis down).</summary>
    public static readonly TimeSpan Remember = TimeSpan.FromSeconds(4);

    private readonly IDbContextFactory<StudioDbContext> _dbFactory;
    private readonly IOptions<ApiOptions> _options;
    // The admin key's hash, worked out once instead of on every request that presents a key.
    private readonly Lazy<string?> _adminHash;
    private readonly TimeProvider _time;
    private readonly RedisConnection? _redis;
    private readonly RedisChannel _revokedChannel;
    private readonly ConcurrentDictionary<string, (ApiKeyInfo? Key, DateTimeOffset Until)> _recent = new(StringComparer.Ordinal);

    /// <param name="redis">The engine's Redis connection: revocations are announced over it when it is configured.</param>
    /// <param name="cacheOptions">For the key prefix, so studios sharing one Redis with different prefixes do not hear each other.</param>
    public ApiKeyService(IDbContextFactory<StudioDbContext> dbFactory, IOptions<ApiOptions> options, TimeProvider time,
        RedisConnection? redis = null, IOptions<EngineCacheOptions>? cacheOptions = null)
    {
        _dbFactory = dbFactory;
        _options = options;
        _adminHash = new(() => options.Value.AdminKey is { Length: > 0 } admin ? Hash(admin) : null);
        _time = time;
        _revokedChannel = RedisChannel.Literal((cacheOptions?.Value.KeyPrefix ?? "") + "run-key-revoked");
        if (redis is { IsConfigured: true })
        {
            _redis = redis;
            _ = redis.Subscribe(_revokedChannel, hash => _recent.TryRemove(hash.ToString(), out _));
        }
    }

    public bool AdminEnabled => !string.IsNullOrEmpty(_options.Value.AdminKey);

    public async Task<CreatedApiKey> CreateAsync(string workflowId, string? name, CancellationToken cancellationToken = default)
    {
        var key = KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var entity = new ApiKeyEntity
        {
            WorkflowId = workflowId,
            Name = string.IsNullOrWhiteSpace(name) ? "Run key" : name.Trim(),
            Hash = Hash(key),
            Prefix = key[..12],
            CreatedAt = _time.GetUtcNow(),
        };
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        db.ApiKeys.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiKey(entity.Id, workflowId, entity.Name, entity.Prefix, key, entity.CreatedAt);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ApiKeys.AsNoTracking().Where(k => k.WorkflowId == workflowId).ToListAsync(cancellationToken);
        return [.. rows.OrderBy(k => k.CreatedAt).Select(ToInfo)];
    }

    /// <summary>Revokes a key of the workflow; false when there is no such key.</summary>
    public async Task<bool> RevokeAsync(string workflowId, string keyId, CancellationToken cancellationToken = default)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.WorkflowId == workflowId, cancellationToken);
        if (key is null)
        {
            return false;
        }
        key.RevokedAt ??= _time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        _recent.TryRemove(key.Hash, out _);
        await AnnounceRevokedAsync(key.Hash);
        return true;
    }

    /// <summary>Tells the other instances to forget the key (its hash, as stored; never the key).</summary>
    private async Task AnnounceRevokedAsync(string hash)
    {
        if (_redis is null)
        {
            return;
        }
        try
        {
            await _redis.PublishAsync(_revokedChannel, hash);
        }
        catch (RedisException)
        {
            // Redis down: the other instances refuse the key once they stop remembering it (Remember).
        }
    }

    /// <summary>Checks an <c>Authorization</c> header value.</summary>
    public async ValueTask<KeyCheckResult> CheckAsync(string? authorization, CancellationToken cancellationToken = default)
    {
        var token = BearerToken(authorization);
        if (token is null)
        {
            return new KeyCheckResult(KeyCheck.Missing);
        }
        var hash = Hash(token);
        if (IsAdmin(hash))
        {
            return new KeyCheckResult(KeyCheck.Admin);
        }
        var now = _time.GetUtcNow();
        ApiKeyInfo? key;
        if (_recent.TryGetValue(hash, out var remembered) && remembered.Until > now)
        {
            key = remembered.Key;
        }
        else
        {
            await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
            var entity = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Hash == hash, cancellationToken);
            key = entity is not null && FixedTimeEqualsHex(entity.Hash, hash) ? ToInfo(entity) : null;
            if (_recent.Count > 10_000)
            {
                // Random wrong keys must not grow memory without bound.
                _recent.Clear();
            }
            _recent[hash] = (key, now + Remember);
        }
        return key switch
        {
            null => new KeyCheckResult(KeyCheck.Invalid),
            { RevokedAt: not null } => new KeyCheckResult(KeyCheck.Revoked, key),
            _ => new KeyCheckResult(KeyCheck.RunKey, key),
        };
    }

    private bool IsAdmin(string presentedHash) => _adminHash.Value is { } admin && FixedTimeEqualsHex(admin, presentedHash);

    private static string? BearerToken(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var token = authorization[scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    internal static string Hash(string key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return Convert.ToHexString(hash);
    }

    // Hex digits are ASCII: comparing the UTF-16 code units in fixed time compares the same thing without copying them.
    private static bool FixedTimeEqualsHex(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()), System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.AsSpan()));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ApiKeyInfo ToInfo(ApiKeyEntity e) => new(e.Id, e.WorkflowId, e.Name, e.Prefix, e.CreatedAt, e.RevokedAt);
}
