using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using WorkflowEngine.Execution;

namespace WorkflowEngine.Caching;

/// <summary>A conversation's turns, kept per workflow and conversation id with a TTL (kind <c>memory</c>), shared by
/// instances via Redis. Each new turn renews the TTL; an idle conversation is forgotten when it expires.
/// <para>The workflow is part of the key, so one workflow can never read or extend another's conversation, whatever id a
/// caller sends. Beside the turns, a small entry per conversation id records the workflow that owns it
/// (<see cref="IsOwnedByAnotherAsync"/>), so a caller naming another workflow's conversation can be told "not found"
/// instead of silently starting a second conversation under the same id.</para>
/// <para>With Redis, Redis is where a conversation lives, and reads go there: no instance keeps a copy that another
/// instance's turn could make stale, so no Pub/Sub notice is needed. An append is written behind: this instance holds the
/// new turns at once (in a table of writes not yet in Redis that every read here looks at first), and Redis gets them at
/// most <see cref="WriteBehind"/> later, pipelined with every other conversation's turns written meanwhile, so an answer
/// never waits for a Redis round trip. Writes of one conversation reach Redis in order (one writer, the newest turns of
/// each conversation per batch); disposing writes what is still waiting. Another instance that continues a conversation
/// within that moment reads it without the last turn (docs/caching.md, "Conversation memory").</para>
/// <para>Turns this instance could not write to Redis (Redis down) are kept in this instance's memory until they expire or a
/// later write reaches Redis, and read from there when Redis has none. Without Redis, that memory is the only place.
/// It is its own bounded store, not the node cache's L1: a stream of new conversations (each API call without a
/// conversation id starts one) must not push cached answers out.</para></summary>
public sealed class ConversationMemoryCache : IAsyncDisposable, IDisposable
{
    /// <summary>How long an append waits for others before they go to Redis together: short enough that a person, or a
    /// program reading the answer first, continues a conversation after it was written; long enough that a busy instance
    /// sends one batch per interval instead of a Redis round trip per answer.</summary>
    public static readonly TimeSpan WriteBehind = TimeSpan.FromMilliseconds(10);

    // Stored, never pasted into HTML: text as it is (readable with redis-cli, and no escaping work), not \uXXXX.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JsonStrings.Encoder,
        // An answer served from the response cache is already escaped (JsonStrings).
        Converters = { JsonStrings.Converter },
    };

    private readonly EngineCache _cache;
    private readonly ILogger<ConversationMemoryCache> _logger;
    private readonly MemoryCache _local;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _disposing = new();
    // Writes not in Redis yet (newest per key), and the batch being written: reads look here first.
    private Dictionary<string, PendingWrite> _pending = new(StringComparer.Ordinal);
    private Dictionary<string, PendingWrite> _inFlight = new(StringComparer.Ordinal);
    private Task _writer = Task.CompletedTask;
    private bool _writerRunning;

    public ConversationMemoryCache(EngineCache cache, ILogger<ConversationMemoryCache> logger)
    {
        _cache = cache;
        _logger = logger;
        _local = new MemoryCache(new MemoryCacheOptions { SizeLimit = cache.Options.L1SizeLimit, CompactionPercentage = 0.1 });
    }

    private TimeSpan Ttl => _cache.Options.TtlFor("memory", 0);

    private static string Key(string workflowId, string conversationId) => $"memory:{workflowId}:{conversationId}";

    private static string OwnerKey(string conversationId) => $"memory-owner:{conversationId}";

    public async ValueTask<IReadOnlyList<ChatTurn>> GetAsync(string workflowId, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        var stored = await ReadAsync(Key(workflowId, conversationId), cancellationToken).ConfigureAwait(false);
        return stored switch
        {
            ChatTurn[] turns => turns,
            byte[] json => Deserialize<ChatTurn[]>(json) ?? [],
            _ => [],
        };
    }

    /// <summary>True when <paramref name="conversationId"/> is a live conversation of a workflow other than
    /// <paramref name="workflowId"/>. An unknown id is nobody's: a caller may start a conversation under an id of its choosing.</summary>
    public async ValueTask<bool> IsOwnedByAnotherAsync(string workflowId, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        var owner = await ReadAsync(OwnerKey(conversationId), cancellationToken).ConfigureAwait(false) switch
        {
            string pending => pending,
            byte[] json => Deserialize<string>(json),
            _ => null,
        };
        return owner is { } id && !string.Equals(id, workflowId, StringComparison.Ordinal);
    }

    /// <summary>Appends turns and keeps the last <paramref name="maxTurns"/>.</summary>
    public async ValueTask<IReadOnlyList<ChatTurn>> AppendAsync(string workflowId, string conversationId, IEnumerable<ChatTurn> turns, int maxTurns = 50, CancellationToken cancellationToken = default) =>
        await AppendAsync(workflowId, conversationId, await GetAsync(workflowId, conversationId, cancellationToken).ConfigureAwait(false), turns, maxTurns, cancellationToken).ConfigureAwait(false);

    /// <summary>Appends turns to <paramref name="previous"/>, the conversation's turns as the caller read them at the start of
    /// its run (saves reading them again), and renews the record of which workflow owns the conversation. With Redis, returns
    /// once this instance holds them; Redis gets them a moment later (<see cref="FlushAsync"/> waits for that).</summary>
    public ValueTask<IReadOnlyList<ChatTurn>> AppendAsync(string workflowId, string conversationId, IReadOnlyList<ChatTurn> previous, IEnumerable<ChatTurn> turns, int maxTurns = 50, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        var all = previous.Concat(turns).TakeLast(Math.Max(1, maxTurns)).ToArray();
        var expires = DateTimeOffset.UtcNow + Ttl;
        PendingWrite turnsWrite = new(Key(workflowId, conversationId), all, expires), ownerWrite = new(OwnerKey(conversationId), workflowId, expires);
        if (!_cache.Redis.IsConfigured)
        {
            // The owner is rewritten with every turn so that it expires together with the turns, not before them.
            KeepLocally(turnsWrite);
            KeepLocally(ownerWrite);
            return ValueTask.FromResult<IReadOnlyList<ChatTurn>>(all);
        }
        lock (_lock)
        {
            _pending[turnsWrite.Key] = turnsWrite;
            _pending[ownerWrite.Key] = ownerWrite;
            if (!_writerRunning)
            {
                _writerRunning = true;
                _writer = WriteBehindAsync();
            }
        }
        return ValueTask.FromResult<IReadOnlyList<ChatTurn>>(all);
    }

    /// <summary>Ends when every append made before the call is in Redis (or writing it failed, which is logged).</summary>
    public async Task FlushAsync()
    {
        while (true)
        {
            Task writing;
            lock (_lock)
            {
                if (!_writerRunning)
                {
                    return;
                }
                writing = _writer;
            }
            await writing.ConfigureAwait(false);
        }
    }

    /// <summary>Writes what is still waiting without waiting any longer.</summary>
    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        await FlushAsync().ConfigureAwait(false);
        _local.Dispose();
    }

    /// <summary>For a container disposed synchronously: same as <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>What is stored under <paramref name="key"/>: the value itself (this instance's), its JSON (from Redis), or null.</summary>
    private async ValueTask<object?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_pending.TryGetValue(key, out var write) || _inFlight.TryGetValue(key, out write))
            {
                return write.Value;
            }
        }
        if (_cache.IsL2Usable && _cache.Redis.Current is { } redis)
        {
            try
            {
                var json = (byte[]?)await redis.GetDatabase().StringGetAsync(_cache.Options.KeyPrefix + key)
                    .WaitAsync(_cache.Options.RedisHardTimeout, cancellationToken).ConfigureAwait(false);
                if (json is not null)
                {
                    return json;
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Redis trouble must not stop a question from being answered: what this instance kept is the next best.
                Log.MemoryReadFailed(_logger, ex, key);
            }
        }
        return _local.Get(key);
    }

    private void KeepLocally(PendingWrite write) =>
        _local.Set(write.Key, write.Value, new MemoryCacheEntryOptions { AbsoluteExpiration = write.Expires, Size = 1 });

    private T? Deserialize<T>(byte[] json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json);
        }
        catch (JsonException ex)
        {
            // Not ours (another version's format, or written by hand): as if the conversation had expired.
            Log.MemoryUnreadable(_logger, ex);
            return default;
        }
    }

    private async Task WriteBehindAsync()
    {
        while (true)
        {
            if (!_disposing.IsCancellationRequested)
            {
                // Collects the appends of the next moment into one batch; the Redis client pipelines its writes.
                await Task.Delay(WriteBehind, _disposing.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            Dictionary<string, PendingWrite> batch;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    _writerRunning = false;
                    return;
                }
                batch = _inFlight = _pending;
                _pending = new(StringComparer.Ordinal);
            }
            await WriteToRedisAsync(batch.Values).ConfigureAwait(false);
            lock (_lock)
            {
                _inFlight = new(StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Sends the batch in one pipeline; what Redis did not take is kept in this instance's memory instead.</summary>
    private async Task WriteToRedisAsync(ICollection<PendingWrite> batch)
    {
        var now = DateTimeOffset.UtcNow;
        // An entry that expired while it waited is simply not written.
        var live = batch.Where(w => w.Expires > now).ToList();
        if (live.Count == 0)
        {
            return;
        }
        var written = false;
        if (_cache.IsL2Usable && _cache.Redis.Current is { } redis)
        {
            try
            {
                var db = redis.GetDatabase();
                // Only the last write waits for its reply: Redis runs the commands of one connection in the order they were
                // sent, so its reply means the others ran before it. A reply awaited per write cost a thread-pool hop each,
                // two per answer (bench/ApiLoad, work items per request).
                for (var i = 0; i < live.Count - 1; i++)
                {
                    _ = db.StringSetAsync(_cache.Options.KeyPrefix + live[i].Key, live[i].Json(), live[i].Expires - now, flags: CommandFlags.FireAndForget);
                }
                var last = live[^1];
                written = await db.StringSetAsync(_cache.Options.KeyPrefix + last.Key, last.Json(), last.Expires - now)
                    .WaitAsync(_cache.Options.RedisHardTimeout + _cache.Options.RedisHardTimeout).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Whatever went wrong, the writer goes on and the turns stay here.
                Log.MemoryWriteFailed(_logger, ex, live.Count);
            }
        }
        if (written)
        {
            if (_local.Count > 0)
            {
                // Redis holds them now; older copies kept here while Redis was away must not be read later instead.
                live.ForEach(w => _local.Remove(w.Key));
            }
            return;
        }
        live.ForEach(KeepLocally);
        // Redis known to be down is reported where its status is (RedisConnection); a failed write while it seemed up is above.
        Log.MemoryKeptLocally(_logger, live.Count);
    }

    /// <summary>One entry to write: the conversation's turns or its owner, and when it expires.</summary>
    private sealed record PendingWrite(string Key, object Value, DateTimeOffset Expires)
    {
        public byte[] Json() => Value switch
        {
            ChatTurn[] turns => JsonSerializer.SerializeToUtf8Bytes(turns, ConversationMemoryCache.Json),
            string owner => JsonSerializer.SerializeToUtf8Bytes(owner, ConversationMemoryCache.Json),
            _ => throw new InvalidOperationException($"Conversation memory does not store {Value.GetType().Name}."),
        };
    }
}
