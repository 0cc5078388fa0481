using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace WorkflowEngine.Caching;

/// <summary>
/// Drops cached results by FusionCache tag (<c>wf:&lt;id&gt;</c>, <c>wf:&lt;id&gt;:node:&lt;nodeId&gt;</c>, <c>kb:&lt;id&gt;</c>):
/// the tag's removal reaches every instance's L1 over the backplane and is stored in Redis, so L2 entries carrying the tag
/// are no longer served. Knowledge-base changes are also announced on a Redis Pub/Sub channel
/// (<c>&lt;prefix&gt;kb-changed</c>) so every instance's <see cref="OnKnowledgeBaseChanged"/> handlers run (to reload
/// in-memory indexes), and cache clears on <c>&lt;prefix&gt;cache-cleared</c> (for <see cref="OnWorkflowCleared"/>: caches
/// outside FusionCache, such as the semantic answer index), and wrong-answer reports on <c>&lt;prefix&gt;answer-rejected</c>
/// (for <see cref="OnAnswerRejected"/>). FusionCache's backplane carries cache entries only, not application messages: hence the channel.
/// </summary>
public sealed class CacheInvalidation : ICacheInvalidation, IAsyncDisposable
{
    private readonly EngineCache _cache;
    private readonly ILogger _logger;
    private readonly string _instanceId = Guid.NewGuid().ToString("n");
    private readonly RedisChannel _channel;
    private readonly RedisChannel _clearChannel;
    private readonly RedisChannel _rejectedChannel;
    private readonly Task _subscription;
    private readonly Task _listening;
    private ImmutableArray<Func<string, Task>> _handlers = [];
    private ImmutableArray<Func<string, string?, Task>> _clearHandlers = [];
    private ImmutableArray<Func<GateAnswer, Task>> _rejectedHandlers = [];
    private ImmutableArray<Func<Task>> _missedHandlers = [];
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _disposing = new();
    private int _catchingUp;
    // One catch-up at a time: a second interruption during one waits for it, then runs again.
    private readonly SemaphoreSlim _catchUp = new(1, 1);

    public CacheInvalidation(EngineCache cache, ILogger<CacheInvalidation>? logger = null, TimeProvider? time = null)
    {
        _cache = cache;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _channel = RedisChannel.Literal(cache.Options.KeyPrefix + "kb-changed");
        _clearChannel = RedisChannel.Literal(cache.Options.KeyPrefix + "cache-cleared");
        _rejectedChannel = RedisChannel.Literal(cache.Options.KeyPrefix + "answer-rejected");
        if (cache.Redis.IsConfigured)
        {
            RedisSubscription[] subscriptions =
            [
                cache.Redis.Subscribe(_channel, value => OnMessageAsync(value).Forget()),
                cache.Redis.Subscribe(_clearChannel, value => OnClearedMessageAsync(value).Forget()),
                cache.Redis.Subscribe(_rejectedChannel, value => OnRejectedMessageAsync(value).Forget()),
            ];
            _subscription = Task.WhenAll(subscriptions.Select(s => s.FirstAttempt));
            _listening = Task.WhenAll(subscriptions.Select(s => s.Held));
            cache.Redis.Interrupted += OnInterrupted;
            _ = CatchUpAfterLateStartAsync(subscriptions);
        }
        else
        {
            _subscription = Task.CompletedTask;
            _listening = Task.CompletedTask;
        }
    }

    /// <summary>Completes once this instance has tried to subscribe to the other instances' messages, whether or not Redis
    /// was reachable; when it was, the instance listens from then on.</summary>
    public Task Subscribed => _subscription;

    /// <summary>Completes once this instance hears the other instances' messages (knowledge-base changes, cache clears,
    /// rejected answers): at once when Redis was reachable at startup, otherwise when it has come and a retry subscribed.</summary>
    public Task Listening => _listening;

    public async Task KnowledgeBaseChangedAsync(string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(knowledgeBaseId);
        await _cache.Fusion.RemoveByTagAsync(NodeCacheKey.KnowledgeBaseTag(knowledgeBaseId), token: cancellationToken).ConfigureAwait(false);
        Log.KnowledgeBaseInvalidated(_logger, knowledgeBaseId);
        await PublishAsync(_channel, new KnowledgeBaseChange(_instanceId, knowledgeBaseId)).ConfigureAwait(false);
        await NotifyAsync(knowledgeBaseId).ConfigureAwait(false);
    }

    public async Task ClearWorkflowAsync(string workflowId, string? nodeId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        var tag = nodeId is null ? NodeCacheKey.WorkflowTag(workflowId) : NodeCacheKey.NodeTag(workflowId, nodeId);
        await _cache.Fusion.RemoveByTagAsync(tag, token: cancellationToken).ConfigureAwait(false);
        Log.CacheCleared(_logger, workflowId, nodeId);
        await PublishAsync(_clearChannel, new WorkflowCleared(_instanceId, workflowId, nodeId)).ConfigureAwait(false);
        await NotifyClearedAsync(workflowId, nodeId).ConfigureAwait(false);
    }

    public async Task AnswerRejectedAsync(GateAnswer answer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);
        await PublishAsync(_rejectedChannel, new AnswerRejected(_instanceId, answer)).ConfigureAwait(false);
        await NotifyRejectedAsync(answer).ConfigureAwait(false);
    }

    public IDisposable OnAnswerRejected(Func<GateAnswer, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ImmutableInterlocked.Update(ref _rejectedHandlers, h => h.Add(handler));
        return new Unsubscriber(() => ImmutableInterlocked.Update(ref _rejectedHandlers, h => h.Remove(handler)));
    }

    public IDisposable OnWorkflowCleared(Func<string, string?, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ImmutableInterlocked.Update(ref _clearHandlers, h => h.Add(handler));
        return new Unsubscriber(() => ImmutableInterlocked.Update(ref _clearHandlers, h => h.Remove(handler)));
    }

    /// <summary>Whether this instance hears the other instances' messages now: subscribed, and the servers that carry its
    /// subscriptions are connected (false while Redis is down, during a failover until the subscriptions have moved, and
    /// always without Redis).</summary>
    public bool HearsOthers =>
        _listening.IsCompletedSuccessfully && _cache.Redis.Hears(_channel) && _cache.Redis.Hears(_clearChannel) && _cache.Redis.Hears(_rejectedChannel);

    public IDisposable OnMessagesMissed(Func<Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ImmutableInterlocked.Update(ref _missedHandlers, h => h.Add(handler));
        return new Unsubscriber(() => ImmutableInterlocked.Update(ref _missedHandlers, h => h.Remove(handler)));
    }

    /// <summary>A subscription that could not be made at startup: whatever this instance loads before it listens may be
    /// changed by another instance meanwhile.</summary>
    private async Task CatchUpAfterLateStartAsync(RedisSubscription[] subscriptions)
    {
        if (!(await Task.WhenAll(subscriptions.Select(s => s.FirstAttempt)).ConfigureAwait(false)).All(held => held))
        {
            OnInterrupted();
        }
    }

    public void CatchUpWhenHeard() => OnInterrupted();

    private void OnInterrupted()
    {
        if (Interlocked.Exchange(ref _catchingUp, 1) == 0)
        {
            CatchUpWhenHeardAsync().Forget();
        }
    }

    /// <summary>After a connection failed: waits (checking every second) until every channel is heard again, then runs the
    /// <see cref="OnMessagesMissed"/> handlers. An interruption during the handlers starts another round.</summary>
    private async Task CatchUpWhenHeardAsync()
    {
        try
        {
            using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
            while (await tick.WaitForNextTickAsync(_disposing.Token).ConfigureAwait(false))
            {
                if (HearsOthers)
                {
                    Volatile.Write(ref _catchingUp, 0);
                    await NotifyMissedAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed while Redis was away.
        }
    }

    private async Task NotifyMissedAsync()
    {
        await _catchUp.WaitAsync(_disposing.Token).ConfigureAwait(false);
        try
        {
            Log.MessagesMissed(_logger);
            foreach (var handler in _missedHandlers)
            {
                try
                {
                    await handler().ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    Log.MessagesMissedHandlerFailed(_logger, e);
                }
            }
        }
        finally
        {
            _catchUp.Release();
        }
    }

    public IDisposable OnKnowledgeBaseChanged(Func<string, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ImmutableInterlocked.Update(ref _handlers, h => h.Add(handler));
        return new Unsubscriber(() => ImmutableInterlocked.Update(ref _handlers, h => h.Remove(handler)));
    }

    private async Task OnMessageAsync(RedisValue value)
    {
        KnowledgeBaseChange? change;
        try
        {
            change = JsonSerializer.Deserialize<KnowledgeBaseChange>(value.ToString());
        }
        catch (JsonException)
        {
            return;
        }
        if (change is null || change.Instance == _instanceId || string.IsNullOrWhiteSpace(change.KnowledgeBaseId))
        {
            return;
        }
        await NotifyAsync(change.KnowledgeBaseId).ConfigureAwait(false);
    }

    private async Task OnClearedMessageAsync(RedisValue value)
    {
        WorkflowCleared? cleared;
        try
        {
            cleared = JsonSerializer.Deserialize<WorkflowCleared>(value.ToString());
        }
        catch (JsonException)
        {
            return;
        }
        if (cleared is null || cleared.Instance == _instanceId || string.IsNullOrWhiteSpace(cleared.WorkflowId))
        {
            return;
        }
        await NotifyClearedAsync(cleared.WorkflowId, cleared.NodeId).ConfigureAwait(false);
    }

    private async Task OnRejectedMessageAsync(RedisValue value)
    {
        AnswerRejected? rejected;
        try
        {
            rejected = JsonSerializer.Deserialize<AnswerRejected>(value.ToString());
        }
        catch (JsonException)
        {
            return;
        }
        if (rejected?.Answer is null || rejected.Instance == _instanceId)
        {
            return;
        }
        await NotifyRejectedAsync(rejected.Answer).ConfigureAwait(false);
    }

    private async Task PublishAsync<T>(RedisChannel channel, T message)
    {
        if (!_cache.Redis.IsConfigured)
        {
            return;
        }
        try
        {
            await _cache.Redis.PublishAsync(channel, JsonSerializer.Serialize(message)).ConfigureAwait(false);
        }
        catch (RedisException e)
        {
            Log.PubSubFailed(_logger, e);
        }
    }

    private async Task NotifyRejectedAsync(GateAnswer answer)
    {
        foreach (var handler in _rejectedHandlers)
        {
            try
            {
                await handler(answer).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Log.AnswerRejectedHandlerFailed(_logger, e, answer.WorkflowId);
            }
        }
    }

    private async Task NotifyClearedAsync(string workflowId, string? nodeId)
    {
        foreach (var handler in _clearHandlers)
        {
            try
            {
                await handler(workflowId, nodeId).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Log.CacheClearHandlerFailed(_logger, e, workflowId);
            }
        }
    }

    private async Task NotifyAsync(string knowledgeBaseId)
    {
        foreach (var handler in _handlers)
        {
            try
            {
                await handler(knowledgeBaseId).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Log.KnowledgeBaseHandlerFailed(_logger, e, knowledgeBaseId);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _cache.Redis.Interrupted -= OnInterrupted;
        await _disposing.CancelAsync().ConfigureAwait(false);
        if (_cache.Redis.Current is { } redis)
        {
            try
            {
                await redis.GetSubscriber().UnsubscribeAsync(_channel).ConfigureAwait(false);
                await redis.GetSubscriber().UnsubscribeAsync(_clearChannel).ConfigureAwait(false);
                await redis.GetSubscriber().UnsubscribeAsync(_rejectedChannel).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // Going away anyway.
            }
        }
    }

    private sealed record KnowledgeBaseChange(string Instance, string KnowledgeBaseId);

    private sealed record WorkflowCleared(string Instance, string WorkflowId, string? NodeId);

    private sealed record AnswerRejected(string Instance, GateAnswer Answer);

    private sealed class Unsubscriber(Action action) : IDisposable
    {
        private Action? _action = action;

        public void Dispose() => Interlocked.Exchange(ref _action, null)?.Invoke();
    }
}

internal static class TaskExtensions
{
    /// <summary>Lets a task run on without awaiting it (its exceptions are handled inside).</summary>
    public static void Forget(this Task task) => _ = task;
}
