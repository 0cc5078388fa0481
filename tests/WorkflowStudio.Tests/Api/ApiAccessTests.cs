using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WorkflowEngine.Caching;
using WorkflowEngine.Persistence;
using WorkflowStudio.Api;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Api;

/// <summary>The key check's guard against guessing, on a real SQLite file whose every context creation is counted.</summary>
public sealed class ApiAccessTests : IAsyncLifetime
{
    private const string WorkflowId = "wf-guarded";
    private readonly string _folder = Directory.CreateTempSubdirectory("api-access-").FullName;
    private ServiceProvider _provider = null!;
    private CountingDbFactory _db = null!;

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddStudioPersistence($"Data Source={Path.Combine(_folder, "studio.db")}");
        _provider = services.BuildServiceProvider();
        _db = new CountingDbFactory(_provider.GetRequiredService<IDbContextFactory<StudioDbContext>>());
        await using var db = await _db.CreateDbContextAsync();
        await StudioDatabase.MigrateAsync(db);
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task RequireRunAccess_AfterTheFailedChecksOfAnAddress_429WithoutReadingTheDatabase()
    {
        // Arrange: three failed checks allowed per minute.
        var options = Options.Create(new ApiOptions { FailedKeyPermits = 3, FailedKeyWindowSeconds = 60 });
        var keys = new ApiKeyService(_db, options, TimeProvider.System);
        var valid = await keys.CreateAsync(WorkflowId, "valid");
        await using var access = new ApiAccess(keys, options);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await RunAsync(access, ApiKeyService.KeyPrefix + $"guess-{i}", "203.0.113.9"));
        }
        var readsBefore = _db.Created;

        // Act: a key never checked before (a check would have to read it) from the same address, and from another one.
        var blocked = await RunAsync(access, valid.Key, "203.0.113.9");
        var readsWhileBlocked = _db.Created - readsBefore;
        var otherAddress = await RunAsync(access, valid.Key, "198.51.100.4");

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked);
        Assert.Equal(0, readsWhileBlocked);
        Assert.Equal(HttpStatusCode.OK, otherAddress);
    }

    [Fact]
    public async Task RequireRunAccess_ManySuccessfulChecks_NeverLimitedByTheFailureCounter()
    {
        // Arrange
        var options = Options.Create(new ApiOptions { FailedKeyPermits = 1, FailedKeyWindowSeconds = 60 });
        var keys = new ApiKeyService(_db, options, TimeProvider.System);
        var valid = await keys.CreateAsync(WorkflowId, "valid");
        await using var access = new ApiAccess(keys, options);

        // Act
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await RunAsync(access, valid.Key, "203.0.113.10"));
        }

        // Assert
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task CheckAsync_KeyRevokedByAnotherInstanceWithRedis_RefusedBeforeItsMemoryExpires()
    {
        // Arrange: two instances on one database and one Redis; time stands still, so only the notice can make B forget
        using var redis = new RedisServer();
        redis.Start();
        var time = new FakeTimeProvider();
        await using var connectionA = RedisConnectionTo(redis, time);
        await using var connectionB = RedisConnectionTo(redis, time);
        var options = Options.Create(new ApiOptions());
        var cacheOptions = Options.Create(new EngineCacheOptions { KeyPrefix = $"keys-{Guid.NewGuid():n}:" });
        var a = new ApiKeyService(_db, options, time, connectionA, cacheOptions);
        var b = new ApiKeyService(_db, options, time, connectionB, cacheOptions);
        var key = await a.CreateAsync(WorkflowId, "shared");
        var acceptedOnB = await b.CheckAsync("Bearer " + key.Key);
        await Eventually.WaitUntilAsync(async () => await redis.CommandAsync("PUBSUB", "NUMSUB", cacheOptions.Value.KeyPrefix + "run-key-revoked") is { } n
            && n.EndsWith("\n2", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "both instances to listen for revocations");

        // Act
        await a.RevokeAsync(WorkflowId, key.Id);
        KeyCheck onB = default;
        await Eventually.WaitUntilAsync(async () => (onB = (await b.CheckAsync("Bearer " + key.Key)).Result) == KeyCheck.Revoked,
            TimeSpan.FromSeconds(5), "instance B to hear of the revocation");

        // Assert
        Assert.Equal(KeyCheck.RunKey, acceptedOnB.Result);
        Assert.Equal(KeyCheck.Revoked, onB);
    }

    [Fact]
    public async Task CheckAsync_KeyRevokedByAnotherInstanceWithoutRedis_RefusedOnceItsMemoryExpires()
    {
        // Arrange
        var time = new FakeTimeProvider();
        var options = Options.Create(new ApiOptions());
        var a = new ApiKeyService(_db, options, time);
        var b = new ApiKeyService(_db, options, time);
        var key = await a.CreateAsync(WorkflowId, "shared");
        await b.CheckAsync("Bearer " + key.Key);

        // Act
        await a.RevokeAsync(WorkflowId, key.Id);
        var remembered = await b.CheckAsync("Bearer " + key.Key);
        time.Advance(ApiKeyService.Remember);
        var afterMemory = await b.CheckAsync("Bearer " + key.Key);

        // Assert
        Assert.Equal(KeyCheck.RunKey, remembered.Result);
        Assert.Equal(KeyCheck.Revoked, afterMemory.Result);
        Assert.True(ApiKeyService.Remember < TimeSpan.FromSeconds(5));
    }

    private static RedisConnection RedisConnectionTo(RedisServer redis, TimeProvider time) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.ConnectionString }).Build(), time);

    private static async Task<HttpStatusCode> RunAsync(ApiAccess access, string key, string address)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(address);
        http.Request.Headers.Authorization = "Bearer " + key;
        http.Request.RouteValues["id"] = WorkflowId;
        var result = await access.RequireRunAccessAsync(new DefaultEndpointFilterInvocationContext(http), _ => ValueTask.FromResult<object?>(TypedResults.Ok()));
        return (HttpStatusCode)((IStatusCodeHttpResult)result!).StatusCode!.Value;
    }

    /// <summary>Counts every context the key service creates: each one is a database read.</summary>
    private sealed class CountingDbFactory(IDbContextFactory<StudioDbContext> inner) : IDbContextFactory<StudioDbContext>
    {
        private int _created;

        public int Created => Volatile.Read(ref _created);

        public StudioDbContext CreateDbContext()
        {
            Interlocked.Increment(ref _created);
            return inner.CreateDbContext();
        }

        public async Task<StudioDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _created);
            return await inner.CreateDbContextAsync(cancellationToken);
        }
    }
}
