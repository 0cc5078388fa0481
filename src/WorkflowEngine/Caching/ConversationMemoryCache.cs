using Microsoft.Extensions.Logging;
using WorkflowEngine.Execution;
using ZiggyCreatures.Caching.Fusion;

namespace WorkflowEngine.Caching;

/// <summary>A conversation's turns, cached per workflow and conversation id with a TTL (kind <c>memory</c>), shared by
/// instances via Redis. Each new turn renews the TTL; an idle conversation is forgotten when it expires.
/// <para>The workflow is part of the key, so one workflow can never read or extend another's conversation, whatever id a
/// caller sends. Beside the turns, a small entry per conversation id records the workflow that owns it
/// (<see cref="IsOwnedByAnotherAsync"/>), so a caller naming another workflow's conversation can be told "not found"
/// instead of silently starting a second conversation under the same id.</para>
/// <para>With Redis, an append is written behind: this instance holds the new turns at once (in memory, and in a table of
/// writes not yet in Redis that every read here looks at first), and Redis gets them at most <see cref="WriteBehind"/>
/// later together with every other conversation's turns written meanwhile, so an answer never waits for a Redis round
/// trip. Writes of one conversation reach Redis in order (one writer, the newest turns of each conversation per batch);
/// disposing writes what is still waiting. Another instance that continues a conversation within that moment reads it
/// without the last turn (docs/caching.md, "Conversation memory").</para></summary>
public sealed class ConversationMemoryCache(EngineCache cache, ILogger<ConversationMemoryCache> logger) : IAsyncDisposable, IDisposable
{
    /// <summary>How long an append waits for others before they go to Redis together: short enough that a person, or a
    /// program reading the answer first, continues a conversation after it was written; long enough that a busy instance
    /// sends one batch per interval instead of a Redis round trip per answer.</summary>
    public static readonly TimeSpan WriteBehind = TimeSpan.FromMilliseconds(10);

    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _disposing = new();
    // Writes not in Redis yet (newest per key), and the batch being written: reads look here first, since L1 may drop an
    // entry (size limit, L1 off) before Redis has it.
    private Dictionary<string, PendingWrite> _pending = new(StringComparer.Ordinal);
    private Dictionary<string, PendingWrite> _inFlight = new(StringComparer.Ordinal);
    private Task _writer = Task.CompletedTask;
    private bool _writerRunning;

    private TimeSpan Ttl => cache.Options.TtlFor("memory", 0);

    private static string Key(string workflowId, string conversationId) => $"memory:{workflowId}:{conversationId}";

    private static string OwnerKey(string conversationId) => $"memory-owner:{conversationId}";

    public async ValueTask<IReadOnlyList<ChatTurn>> GetAsync(string workflowId, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        var key = Key(workflowId, conversationId);
        if (Unwritten(key) is { } pending)
        {
            return (ChatTurn[])pending;
        }
        var turns = await cache.Fusion.TryGetAsync<ChatTurn[]>(key, cache.EntryOptions(Ttl), cancellationToken).ConfigureAwait(false);
        return turns.HasValue && turns.Value is { } value ? value : [];
    }

    /// <summary>True when <paramref name="conversationId"/> is a live conversation of a workflow other than
    /// <paramref name="workflowId"/>. An unknown id is nobody's: a caller may start a conversation under an id of its choosing.</summary>
    public async ValueTask<bool> IsOwnedByAnotherAsync(string workflowId, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        var key = OwnerKey(conversationId);
        var owner = Unwritten(key) is string pending
            ? pending
            : (await cache.Fusion.TryGetAsync<string>(key, cache.EntryOptions(Ttl), cancellationToken).ConfigureAwait(false)).GetValueOrDefault();
        return owner is { } id && !string.Equals(id, workflowId, StringComparison.Ordinal);
    }

    /// <summary>Appends turns and keeps the last <paramref name="maxTurns"/>.</summary>
    public async ValueTask<IReadOnlyList<ChatTurn>> AppendAsync(string workflowId, string conversationId, IEnumerable<ChatTurn> turns, int maxTurns = 50, CancellationToken cancellationToken = default) =>
        await AppendAsync(workflowId, conversationId, await GetAsync(workflowId, conversationId, cancellationToken).ConfigureAwait(false), turns, maxTurns, cancellationToken).ConfigureAwait(false);

    /// <summary>Appends turns to <paramref name="previous"/>, the conversation's turns as the caller read them at the start of
    /// its run (saves reading them again), and renews the record of which workflow owns the conversation. With Redis, returns
    /// once this instance holds them; Redis gets them a moment later (<see cref="FlushAsync"/> waits for that).</summary>
    /// <param name="isNew">The conversation started with this run (the caller made up its id): no other instance can hold it
    /// in memory, so the other instances are not told about the write (no Pub/Sub message per new conversation).</param>
    public async ValueTask<IReadOnlyList<ChatTurn>> AppendAsync(string workflowId, string conversationId, IReadOnlyList<ChatTurn> previous, IEnumerable<ChatTurn> turns, int maxTurns = 50, CancellationToken cancellationToken = default, bool isNew = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        var all = previous.Concat(turns).TakeLast(Math.Max(1, maxTurns)).ToArray();
        var options = cache.EntryOptions(Ttl);
        if (isNew && previous.Count == 0)
        {
            options.SkipBackplaneNotifications = true;
        }
        // The owner never changes while the conversation lives, so other instances' copies of it need no notice; it is
        // rewritten with every turn so that it expires together with the turns, not before them.
        var ownerOptions = cache.EntryOptions(Ttl);
        ownerOptions.SkipBackplaneNotifications = true;
        PendingWrite turnsWrite = new(Key(workflowId, conversationId), all, options), ownerWrite = new(OwnerKey(conversationId), workflowId, ownerOptions);
        if (!cache.Redis.IsConfigured)
        {
            await Task.WhenAll(WriteAsync(turnsWrite, cancellationToken), WriteAsync(ownerWrite, cancellationToken)).ConfigureAwait(false);
            return all;
        }
        // In L1 now (no I/O), so this instance's next read is served from memory; Redis with the next batch.
        await Task.WhenAll(WriteAsync(turnsWrite.LocalOnly(), cancellationToken), WriteAsync(ownerWrite.LocalOnly(), cancellationToken)).ConfigureAwait(false);
        lock (_lock)
        {
            _pending[turnsWrite.Key] = turnsWrite.RemoteOnly();
            _pending[ownerWrite.Key] = ownerWrite.RemoteOnly();
            if (!_writerRunning)
            {
                _writerRunning = true;
                _writer = WriteBehindAsync();
            }
        }
        return all;
    }

    /// <summary>Forgets the turns. The record of the owner stays until it expires, so the id is not handed to another
    /// workflow in the meantime.</summary>
    public async ValueTask ForgetAsync(string workflowId, string conversationId, CancellationToken cancellationToken = default)
    {
        var key = Key(workflowId, conversationId);
        Task writing;
        lock (_lock)
        {
            _pending.Remove(key);
            writing = _writer;
        }
        // A batch already on its way to Redis could hold the turns: removing before it lands would bring them back.
        await writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        await cache.Fusion.RemoveAsync(key, token: cancellationToken).ConfigureAwait(false);
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
    }

    /// <summary>For a container disposed synchronously: same as <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private object? Unwritten(string key)
    {
        lock (_lock)
        {
            return _pending.TryGetValue(key, out var write) || _inFlight.TryGetValue(key, out write) ? write.Value : null;
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
            try
            {
                await Task.WhenAll(batch.Values.Select(w => WriteAsync(w, CancellationToken.None))).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // FusionCache keeps Redis errors to itself (the entries stay in L1); anything else must not stop the writer.
                Log.MemoryWriteFailed(logger, ex, batch.Count);
            }
            lock (_lock)
            {
                _inFlight = new(StringComparer.Ordinal);
            }
        }
    }

    // Typed as what readers ask for: FusionCache keeps and serializes an entry as the type it was set with.
    private Task WriteAsync(PendingWrite write, CancellationToken cancellationToken) => write.Value switch
    {
        ChatTurn[] turns => cache.Fusion.SetAsync(write.Key, turns, write.Options, token: cancellationToken).AsTask(),
        string owner => cache.Fusion.SetAsync(write.Key, owner, write.Options, token: cancellationToken).AsTask(),
        _ => throw new InvalidOperationException($"Conversation memory does not store {write.Value.GetType().Name}."),
    };

    /// <summary>One entry to write: the conversation's turns or its owner.</summary>
    private sealed record PendingWrite(string Key, object Value, FusionCacheEntryOptions Options)
    {
        public PendingWrite LocalOnly()
        {
            var options = Options.Duplicate();
            options.SkipDistributedCacheWrite = true;
            options.SkipBackplaneNotifications = true;
            return this with { Options = options };
        }

        // L1 already holds it, maybe newer by the time the batch is written (an append in between): never overwrite that.
        public PendingWrite RemoteOnly()
        {
            var options = Options.Duplicate();
            options.SkipMemoryCacheWrite = true;
            return this with { Options = options };
        }
    }
}
