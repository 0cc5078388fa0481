using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkflowEngine.Persistence;
using WorkflowStudio.Api;

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
