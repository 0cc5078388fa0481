using StackExchange.Redis;
using WorkflowEngine.Caching;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Caching;

/// <summary>The shared connection against a primary and its replica: each test owns its servers.</summary>
public sealed class RedisConnectionTests
{
    [Theory]
    [InlineData(Publisher.Connection)]
    [InlineData(Publisher.BackplaneAsync)]
    [InlineData(Publisher.BackplaneSync)]
    public async Task Publish_OwnSubscriptionOnAReplica_ReachesSubscribersOfThePrimary(Publisher publisher)
    {
        // Arrange: A knows the primary and the replica and holds its own subscription to the channel on the replica (as one
        // made while the roles were still being found out does); B listens on the primary.
        using var primary = new RedisServer();
        primary.Start();
        using var replica = RedisServer.ReplicaOf(primary);
        replica.Start();
        await Eventually.WaitUntilAsync(async () => (await replica.CommandAsync("INFO", "replication"))?.Contains("master_link_status:up") == true,
            TimeSpan.FromSeconds(15), "the replica to sync with the primary");
        await using var a = new RedisConnection($"{primary.Endpoint},{replica.Endpoint},abortConnect=false,connectTimeout=2000", TimeProvider.System);
        await using var b = new RedisConnection(primary.ConnectionString, TimeProvider.System);
        Assert.True(await a.WaitForConnectionAttemptAsync());
        Assert.True(await b.WaitForConnectionAttemptAsync());
        var channel = RedisChannel.Literal("test:" + Guid.NewGuid().ToString("n"));
        var heardOnB = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await (await b.GetAsync()).GetSubscriber().SubscribeAsync(channel, (_, value) => heardOnB.TrySetResult(value.ToString()));
        var backplaneOfA = (await a.GetPublishingOnPrimaryAsync()).GetSubscriber();
        await backplaneOfA.SubscribeAsync(channel, (_, _) => { }, CommandFlags.DemandReplica);

        // Act
        var received = publisher switch
        {
            Publisher.Connection => await a.PublishAsync(channel, "hello"),
            Publisher.BackplaneAsync => await backplaneOfA.PublishAsync(channel, "hello"),
            _ => backplaneOfA.Publish(channel, "hello"),
        };
        var heard = await heardOnB.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        Assert.Equal(replica.Endpoint, backplaneOfA.SubscribedEndpoint(channel)?.ToString());
        Assert.Equal(1, received); // B, on the primary
        Assert.Equal("hello", heard);
    }

    public enum Publisher
    {
        /// <summary><see cref="RedisConnection.PublishAsync"/>, as the studio's own channels publish.</summary>
        Connection,
        /// <summary>The subscriber FusionCache's backplane gets, asynchronously and synchronously.</summary>
        BackplaneAsync,
        BackplaneSync,
    }
}
