using WorkflowEngine.Execution;

namespace WorkflowEngine.Caching;

/// <summary>A conversation's turns, cached per workflow and conversation id with a TTL (kind <c>memory</c>), shared by
/// instances via Redis. Each new turn renews the TTL; an idle conversation is forgotten when it expires.
/// <para>The workflow is part of the key, so one workflow can never read or extend another's conversation, whatever id a
/// caller sends. Beside the turns, a small entry per conversation id records the workflow that owns it
/// (<see cref="IsOwnedByAnotherAsync"/>), so a caller naming another workflow's conversation can be told "not found"
/// instead of silently starting a second conversation under the same id.</para></summary>
public sealed class ConversationMemoryCache(EngineCache cache)
{
    private TimeSpan Ttl => cache.Options.TtlFor("memory", 0);

    private static string Key(string workflowId, string conversationId) => $"memory:{workflowId}:{conversationId}";

    private static string OwnerKey(string conversationId) => $"memory-owner:{conversationId}";

    public async ValueTask<IReadOnlyList<ChatTurn>> GetAsync(string workflowId, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        var turns = await cache.Fusion.TryGetAsync<ChatTurn[]>(Key(workflowId, conversationId), cache.EntryOptions(Ttl), cancellationToken).ConfigureAwait(false);
        return turns.HasValue && turns.Value is { } value ? value : [];
    }

    /// <summary>True when <paramref name="conversationId"/> is a live conversation of a workflow other than
    /// <paramref name="workflowId"/>. An unknown id is nobody's: a caller may start a conversation under an id of its choosing.</summary>
    public async ValueTask<bool> IsOwnedByAnotherAsync(string workflowId, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        var owner = await cache.Fusion.TryGetAsync<string>(OwnerKey(conversationId), cache.EntryOptions(Ttl), cancellationToken).ConfigureAwait(false);
        return owner.HasValue && owner.Value is { } id && !string.Equals(id, workflowId, StringComparison.Ordinal);
    }

    /// <summary>Appends turns and keeps the last <paramref name="maxTurns"/>.</summary>
    public async ValueTask<IReadOnlyList<ChatTurn>> AppendAsync(string workflowId, string conversationId, IEnumerable<ChatTurn> turns, int maxTurns = 50, CancellationToken cancellationToken = default) =>
        await AppendAsync(workflowId, conversationId, await GetAsync(workflowId, conversationId, cancellationToken).ConfigureAwait(false), turns, maxTurns, cancellationToken).ConfigureAwait(false);

    /// <summary>Appends turns to <paramref name="previous"/>, the conversation's turns as the caller read them at the start of
    /// its run (saves reading them again: one Redis write instead of a read and a write), and renews the record of which
    /// workflow owns the conversation.</summary>
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
        await Task.WhenAll(
            cache.Fusion.SetAsync(Key(workflowId, conversationId), all, options, token: cancellationToken).AsTask(),
            cache.Fusion.SetAsync(OwnerKey(conversationId), workflowId, ownerOptions, token: cancellationToken).AsTask()).ConfigureAwait(false);
        return all;
    }

    /// <summary>Forgets the turns. The record of the owner stays until it expires, so the id is not handed to another
    /// workflow in the meantime.</summary>
    public ValueTask ForgetAsync(string workflowId, string conversationId, CancellationToken cancellationToken = default) =>
        cache.Fusion.RemoveAsync(Key(workflowId, conversationId), token: cancellationToken);
}
