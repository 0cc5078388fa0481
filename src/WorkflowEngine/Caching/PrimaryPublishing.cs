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
internal class PrimaryPublishingMultiplexer : PrimaryPublishingProxy<IConnectionMultiplexer>
{
    public static IConnectionMultiplexer Wrap(IConnectionMultiplexer inner, RedisConnection connection) =>
        Wrap<PrimaryPublishingMultiplexer>(inner, connection);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return targetMethod.Name == nameof(IConnectionMultiplexer.GetSubscriber)
            ? PrimaryPublishingSubscriber.Wrap(Inner.GetSubscriber(args is [var state, ..] ? state : null), Connection)
            : Forward(targetMethod, args);
    }
}

/// <summary>A subscriber whose <c>Publish</c> and <c>PublishAsync</c> go to the primary; see <see cref="PrimaryPublishingMultiplexer"/>.</summary>
internal class PrimaryPublishingSubscriber : PrimaryPublishingProxy<ISubscriber>
{
    public static ISubscriber Wrap(ISubscriber inner, RedisConnection connection) => Wrap<PrimaryPublishingSubscriber>(inner, connection);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return (targetMethod.Name, args) switch
        {
            (nameof(ISubscriber.PublishAsync), [RedisChannel channel, RedisValue message, ..]) => Connection.PublishAsync(channel, message),
            (nameof(ISubscriber.Publish), [RedisChannel channel, RedisValue message, ..]) => Connection.Publish(channel, message),
            _ => Forward(targetMethod, args),
        };
    }
}

/// <summary>A <typeparamref name="T"/> that forwards to the real one, for the two proxies above.</summary>
internal abstract class PrimaryPublishingProxy<T> : DispatchProxy where T : class
{
    protected T Inner { get; private set; } = null!;

    protected RedisConnection Connection { get; private set; } = null!;

    protected static T Wrap<TProxy>(T inner, RedisConnection connection) where TProxy : PrimaryPublishingProxy<T>
    {
        var proxy = Create<T, TProxy>();
        var self = (TProxy)(object)proxy;
        self.Inner = inner;
        self.Connection = connection;
        return proxy;
    }

    /// <summary>Calls the real member, throwing what it throws (not wrapped in a <see cref="TargetInvocationException"/>).</summary>
    protected object? Forward(MethodInfo method, object?[]? args)
    {
        try
        {
            return method.Invoke(Inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}
