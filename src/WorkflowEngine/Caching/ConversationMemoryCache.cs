using WorkflowEngine.Execution;

namespace WorkflowEngine.Caching;

/// <summary>A conversation's turns, cached per conversation id with a TTL (kind <c>memory</c>), shared by instances via Redis.
/// Each new turn renews the TTL; an idle conversation is forgotten when it expires.</summary>
public sealed class ConversationMemoryCache(EngineCache cache)
{
    private TimeSpan Ttl => cache.Options.TtlFor("memory", 0);

    private static string Key(string conversationId) => $"memory:{conversationId}";

    public async ValueTask<IReadOnlyList<ChatTurn>> GetAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        var turns = await cache.Fusion.TryGetAsync<ChatTurn[]>(Key(conversationId), cache.EntryOptions(Ttl), cancellationToken).ConfigureAwait(false);
        return turns.HasValue && turns.Value is { } value ? value : [];
    }

    /// <summary>Appends turns and keeps the last <paramref name="maxTurns"/>.</summary>
    public async ValueTask<IReadOnlyList<ChatTurn>> AppendAsync(string conversationId, IEnumerable<ChatTurn> turns, int maxTurns = 50, CancellationToken cancellationToken = default) =>
        await AppendAsync(conversationId, await GetAsync(conversationId, cancellationToken).ConfigureAwait(false), turns, maxTurns, cancellationToken).ConfigureAwait(false);

    /// <summary>Appends turns to <paramref name="previous"/>, the conversation's turns as the caller read them at the start of
    /// its run (saves reading them again: one Redis write instead of a read and a write).</summary>
    /// <param name="isNew">The conversation started with this run (the caller made up its id): no other instance can hold it
    /// in memory, so the other instances are not told about the write (no Pub/Sub message per new conversation).</param>
    public async ValueTask<IReadOnlyList<ChatTurn>> AppendAsync(string conversationId, IReadOnlyList<ChatTurn> previous, IEnumerable<ChatTurn> turns, int maxTurns = 50, CancellationToken cancellationToken = default, bool isNew = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        var all = previous.Concat(turns).TakeLast(Math.Max(1, maxTurns)).ToArray();
        var options = cache.EntryOptions(Ttl);
        if (isNew && previous.Count == 0)
        {
            options.SkipBackplaneNotifications = true;
        }
        await cache.Fusion.SetAsync(Key(conversationId), all, options, token: cancellationToken).ConfigureAwait(false);
        return all;
    }

    public ValueTask ForgetAsync(string conversationId, CancellationToken cancellationToken = default) =>
        cache.Fusion.RemoveAsync(Key(conversationId), token: cancellationToken);
}
