using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Caching;

[Collection(RedisServer.Collection)]
public sealed class ConversationMemoryCacheTests(RedisServer redis)
{
    private static readonly ChatTurn[] FirstTurn = [new(ChatTurn.User, "Hi"), new(ChatTurn.Assistant, "Hello!")];
    private static readonly ChatTurn[] SecondTurn = [new(ChatTurn.User, "Refund?"), new(ChatTurn.Assistant, "Sure.")];

    [Fact]
    public async Task AppendAsync_OnOneInstance_ReadOnAnotherWithTtl()
    {
        // Arrange
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString, o => o.DefaultTtlSeconds["memory"] = 120);
        await using var b = CacheTestKit.CreateProvider(redis.ConnectionString, o => o.DefaultTtlSeconds["memory"] = 120);
        var conversation = Guid.NewGuid().ToString("n");

        // Act
        var onA = a.GetRequiredService<ConversationMemoryCache>();
        await onA.AppendAsync("wf", conversation, FirstTurn);
        await onA.FlushAsync();
        var onB = await b.GetRequiredService<ConversationMemoryCache>().GetAsync("wf", conversation);
        var ttl = await redis.CommandAsync("TTL", "wfs:memory:wf:" + conversation);
        var ownerTtl = await redis.CommandAsync("TTL", "wfs:memory-owner:" + conversation);

        // Assert
        Assert.Equal(["Hi", "Hello!"], onB.Select(t => t.Text));
        Assert.InRange(long.Parse(ttl!), 110, 120);
        Assert.InRange(long.Parse(ownerTtl!), 110, 120);
    }

    [Fact]
    public async Task AppendAsync_ContinuedOnAnotherInstance_FirstInstanceReadsTheNewTurnOnceWritten()
    {
        // Arrange: A starts the conversation and reads it; B reads it too.
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        await using var b = CacheTestKit.CreateProvider(redis.ConnectionString);
        var onA = a.GetRequiredService<ConversationMemoryCache>();
        var onB = b.GetRequiredService<ConversationMemoryCache>();
        var conversation = Guid.NewGuid().ToString("n");
        await onA.AppendAsync("wf", conversation, [], FirstTurn);
        await onA.FlushAsync();
        var firstOnA = await onA.GetAsync("wf", conversation);
        var firstOnB = await onB.GetAsync("wf", conversation);

        // Act: the next turn is answered on B; A, which read the first version, is asked again.
        await onB.AppendAsync("wf", conversation, firstOnB, SecondTurn);
        await onB.FlushAsync();
        var secondOnA = await onA.GetAsync("wf", conversation);

        // Assert: A keeps no copy of its own that B's turn could leave stale, so no notice needs to reach it.
        Assert.Equal(["Hi", "Hello!"], firstOnA.Select(t => t.Text));
        Assert.Equal(["Hi", "Hello!", "Refund?", "Sure."], secondOnA.Select(t => t.Text));
    }

    [Fact]
    public async Task AppendAsync_ThisInstanceReadsItAtOnce_AndDisposingWritesItToRedis()
    {
        // Arrange
        var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        await using var b = CacheTestKit.CreateProvider(redis.ConnectionString);
        var onA = a.GetRequiredService<ConversationMemoryCache>();
        var conversation = Guid.NewGuid().ToString("n");

        // Act
        await onA.AppendAsync("wf", conversation, [], FirstTurn);
        var onAAtOnce = await onA.GetAsync("wf", conversation);
        var ownedByAnotherOnA = await onA.IsOwnedByAnotherAsync("other-wf", conversation);
        var ownedBySameOnA = await onA.IsOwnedByAnotherAsync("wf", conversation);
        await a.DisposeAsync();
        var onB = await b.GetRequiredService<ConversationMemoryCache>().GetAsync("wf", conversation);
        var ownedByAnotherOnB = await b.GetRequiredService<ConversationMemoryCache>().IsOwnedByAnotherAsync("other-wf", conversation);
        var otherWorkflowReadsOnB = await b.GetRequiredService<ConversationMemoryCache>().GetAsync("other-wf", conversation);

        // Assert
        Assert.Equal(["Hi", "Hello!"], onAAtOnce.Select(t => t.Text));
        Assert.True(ownedByAnotherOnA);
        Assert.False(ownedBySameOnA);
        Assert.Equal(["Hi", "Hello!"], onB.Select(t => t.Text));
        Assert.True(ownedByAnotherOnB);
        Assert.Empty(otherWorkflowReadsOnB);
    }

    [Fact]
    public async Task AppendAsync_ManyAppendsOfOneConversation_RedisEndsWithTheLast()
    {
        // Arrange
        await using var a = CacheTestKit.CreateProvider(redis.ConnectionString);
        await using var b = CacheTestKit.CreateProvider(redis.ConnectionString);
        var onA = a.GetRequiredService<ConversationMemoryCache>();
        var conversation = Guid.NewGuid().ToString("n");
        IReadOnlyList<ChatTurn> turns = [];

        // Act: appends of one conversation, some landing in the same batch, some in the next.
        for (var i = 0; i < 20; i++)
        {
            turns = await onA.AppendAsync("wf", conversation, turns, [new ChatTurn(ChatTurn.User, $"q{i}"), new ChatTurn(ChatTurn.Assistant, $"a{i}")]);
            if (i % 7 == 0)
            {
                await onA.FlushAsync();
            }
        }
        await onA.FlushAsync();
        var onB = await b.GetRequiredService<ConversationMemoryCache>().GetAsync("wf", conversation);

        // Assert
        Assert.Equal(40, onB.Count);
        Assert.Equal("a19", onB[^1].Text);
    }

    [Fact]
    public async Task AppendAsync_ManyNewConversations_LeaveTheNodeCacheL1Alone()
    {
        // Arrange: a small L1 holding one cached node result.
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString, o => o.L1SizeLimit = 50);
        var cache = services.GetRequiredService<EngineCache>();
        var memory = services.GetRequiredService<ConversationMemoryCache>();
        var key = "probe-" + Guid.NewGuid().ToString("n");
        await cache.Fusion.SetAsync(key, "cached result", cache.EntryOptions(TimeSpan.FromMinutes(5)));

        // Act: API callers that start a new conversation with every question, four times L1's size.
        for (var i = 0; i < 200; i++)
        {
            await memory.AppendAsync("wf", Guid.NewGuid().ToString("n"), [], FirstTurn);
        }
        await memory.FlushAsync();
        var stillInL1 = await cache.Fusion.TryGetAsync<string>(key, cache.L1OnlyReadOptions);

        // Assert
        Assert.True(stillInL1.HasValue);
        Assert.Equal("cached result", stillInL1.Value);
    }

    [Fact]
    public async Task GetAsync_RedisStoppedBeforeTheWrite_ThisInstanceKeepsTheTurnsAndRedisGetsTheNextOnes()
    {
        // Arrange: this test's own server, so stopping it disturbs no one else.
        using var own = new RedisServer();
        own.Start();
        await using var a = CacheTestKit.CreateProvider(own.ConnectionString);
        var memory = a.GetRequiredService<ConversationMemoryCache>();
        var connection = a.GetRequiredService<RedisConnection>();
        var conversation = Guid.NewGuid().ToString("n");

        // Act: Redis goes away; the first turn cannot reach it.
        own.Stop();
        await Eventually.WaitUntilAsync(() => Task.FromResult(connection.IsDown), TimeSpan.FromSeconds(10), "the connection to notice Redis is gone");
        await memory.AppendAsync("wf", conversation, [], FirstTurn);
        await memory.FlushAsync();
        var duringOutage = await memory.GetAsync("wf", conversation);
        var ownedDuringOutage = await memory.IsOwnedByAnotherAsync("other-wf", conversation);

        // Act: Redis is back (empty: persistence is off); the next turn reaches it with the first.
        own.Start();
        var cache = a.GetRequiredService<EngineCache>();
        await Eventually.WaitUntilAsync(() => Task.FromResult(cache.IsL2Usable), TimeSpan.FromSeconds(15), "Redis to be usable again");
        var afterReturn = await memory.GetAsync("wf", conversation);
        await memory.AppendAsync("wf", conversation, afterReturn, SecondTurn);
        await memory.FlushAsync();
        await using var b = CacheTestKit.CreateProvider(own.ConnectionString);
        var onB = await b.GetRequiredService<ConversationMemoryCache>().GetAsync("wf", conversation);

        // Assert
        Assert.Equal(["Hi", "Hello!"], duringOutage.Select(t => t.Text));
        Assert.True(ownedDuringOutage);
        Assert.Equal(["Hi", "Hello!"], afterReturn.Select(t => t.Text));
        Assert.Equal(["Hi", "Hello!", "Refund?", "Sure."], onB.Select(t => t.Text));
    }

    [Fact]
    public async Task GetAsync_EntryInRedisNotReadable_EmptyConversation()
    {
        // Arrange: an entry in another format (an older version's, or written by hand).
        await using var services = CacheTestKit.CreateProvider(redis.ConnectionString);
        var conversation = Guid.NewGuid().ToString("n");
        await redis.CommandAsync("SET", "wfs:memory:wf:" + conversation, "{\"not\": \"turns\"}");

        // Act
        var turns = await services.GetRequiredService<ConversationMemoryCache>().GetAsync("wf", conversation);

        // Assert
        Assert.Empty(turns);
    }

    [Fact]
    public async Task AppendAsync_WithoutRedisAndWithL1Off_KeptForTheMemoryTtl()
    {
        // Arrange: no Redis, and the node cache's L1 switched off: conversations still live in this instance.
        await using var services = CacheTestKit.CreateProvider(null, o => o.L1MaxDuration = TimeSpan.Zero);
        var memory = services.GetRequiredService<ConversationMemoryCache>();
        var conversation = Guid.NewGuid().ToString("n");

        // Act
        await memory.AppendAsync("wf", conversation, [], FirstTurn);
        var turns = await memory.GetAsync("wf", conversation);
        var continued = await memory.AppendAsync("wf", conversation, SecondTurn);

        // Assert
        Assert.Equal(["Hi", "Hello!"], turns.Select(t => t.Text));
        Assert.Equal(4, continued.Count);
        Assert.True(await memory.IsOwnedByAnotherAsync("other-wf", conversation));
    }
}
