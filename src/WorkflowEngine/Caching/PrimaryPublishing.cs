using System.Reflection;
using System.Runtime.ExceptionServices;
using StackExchange.Redis;

namespace WorkflowEngine.Caching;

/// <summary>
/// The shared connection as FusionCache's backplane gets it: the same multiplexer, except that its subscriber publishes on the
/// primary (<see cref="RedisConnection.PublishAsync"/>). The backplane publishes through StackExchange.Redis, which sends a
/// message through the server holding the connection's own subscription to the channel; when that subscription sits on a
/// replica (made while the roles were still being found out), the other instances would never hear this one's notices.
/// Every other member is the real multiplexer's, so the backplane's subscription, events and reconnects are untouched.
/// </summary>
internal class PrimaryPublishingMultiplexer : DispatchProxy
{
    private IConnectionMultiplexer _inner = null!;
    private RedisConnection _connection = null!;

    public static IConnectionMultiplexer Wrap(IConnectionMultiplexer inner, RedisConnection connection)
    {
        var proxy = Create<IConnectionMultiplexer, PrimaryPublishingMultiplexer>();
        var self = (PrimaryPublishingMultiplexer)(object)proxy;
        self._inner = inner;
        self._connection = connection;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return targetMethod.Name == nameof(IConnectionMultiplexer.GetSubscriber)
            ? PrimaryPublishingSubscriber.Wrap(_inner.GetSubscriber(args is [var state, ..] ? state : null), _connection)
            : Forward.Call(targetMethod, _inner, args);
    }
}

/// <summary>A subscriber whose <c>Publish</c> and <c>PublishAsync</c> go to the primary; see <see cref="PrimaryPublishingMultiplexer"/>.</summary>
internal class PrimaryPublishingSubscriber : DispatchProxy
{
    private ISubscriber _inner = null!;
    private RedisConnection _connection = null!;

    public static ISubscriber Wrap(ISubscriber inner, RedisConnection connection)
    {
        var proxy = Create<ISubscriber, PrimaryPublishingSubscriber>();
        var self = (PrimaryPublishingSubscriber)(object)proxy;
        self._inner = inner;
        self._connection = connection;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return (targetMethod.Name, args) switch
        {
            (nameof(ISubscriber.PublishAsync), [RedisChannel channel, RedisValue message, ..]) => _connection.PublishAsync(channel, message),
            (nameof(ISubscriber.Publish), [RedisChannel channel, RedisValue message, ..]) => _connection.Publish(channel, message),
            _ => Forward.Call(targetMethod, _inner, args),
        };
    }
}

file static class Forward
{
    /// <summary>Calls the real member, throwing what it throws (not wrapped in a <see cref="TargetInvocationException"/>).</summary>
    public static object? Call(MethodInfo method, object target, object?[]? args)
    {
        try
        {
            return method.Invoke(target, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}
