using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Knowledge;

/// <summary>The knowledge services on a migrated test database (SQLite or PostgreSQL), with the shared embedding model.</summary>
public sealed class KnowledgeTestHost : IAsyncDisposable
{
    private readonly TestDatabase? _ownDatabase;

    private KnowledgeTestHost(TestDatabase? ownDatabase, ServiceProvider provider)
    {
        _ownDatabase = ownDatabase;
        Provider = provider;
    }

    public ServiceProvider Provider { get; }

    public KnowledgeBaseService Service => Provider.GetRequiredService<KnowledgeBaseService>();

    /// <param name="database">A database several hosts share (the caller disposes it); without one the host makes its own on
    /// <paramref name="provider"/> and deletes it when disposed.</param>
    public static async Task<KnowledgeTestHost> StartAsync(IEmbeddingGenerator<string, Embedding<float>> embeddings, ICacheInvalidation? invalidation = null,
        TestDatabase? database = null, Action<KnowledgeOptions>? options = null, DatabaseProvider provider = DatabaseProvider.Sqlite)
    {
        var ownDatabase = database is null ? await TestDatabase.CreateAsync(provider, "Pooling=False") : null;
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSingleton(embeddings);
        if (invalidation is not null)
        {
            services.AddSingleton(invalidation);
        }
        services.AddStudioPersistence((database ?? ownDatabase)!.Settings);
        services.AddEngineKnowledge();
        if (options is not null)
        {
            services.Configure(options);
        }
        var serviceProvider = services.BuildServiceProvider();
        await using (var db = await serviceProvider.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync())
        {
            await StudioDatabase.MigrateAsync(db);
        }
        return new KnowledgeTestHost(ownDatabase, serviceProvider);
    }

    public async Task<long> VersionAsync(string kbId) => (await Service.GetAsync(kbId))!.Version;

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        if (_ownDatabase is not null)
        {
            await _ownDatabase.DisposeAsync();
        }
    }
}

/// <summary>Records the knowledge-base changes the service reports (the caching helper provides the real implementation).</summary>
public sealed class RecordingInvalidation : ICacheInvalidation
{
    private readonly List<Func<string, Task>> _handlers = [];

    public List<string> Changed { get; } = [];

    public async Task KnowledgeBaseChangedAsync(string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        lock (Changed)
        {
            Changed.Add(knowledgeBaseId);
        }
        foreach (var h in _handlers.ToList())
        {
            await h(knowledgeBaseId);
        }
    }

    public Task ClearWorkflowAsync(string workflowId, string? nodeId = null, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public IDisposable OnKnowledgeBaseChanged(Func<string, Task> handler)
    {
        _handlers.Add(handler);
        return new Removal(() => _handlers.Remove(handler));
    }

    private readonly List<Func<Task>> _missedHandlers = [];

    public IDisposable OnMessagesMissed(Func<Task> handler)
    {
        _missedHandlers.Add(handler);
        return new Removal(() => _missedHandlers.Remove(handler));
    }

    /// <summary>What the Redis-backed invalidation does when it hears the other instances again after an interruption.</summary>
    public async Task HearAgainAfterInterruptionAsync()
    {
        foreach (var h in _missedHandlers.ToList())
        {
            await h();
        }
    }

    private sealed class Removal(Action a) : IDisposable
    {
        public void Dispose() => a();
    }
}

/// <summary>Lets the first <c>n</c> knowledge-base announcements after <see cref="HoldAfter"/> through and holds the next one
/// until <see cref="Release"/>, so a test can look at the service between a commit and its announcement.</summary>
public sealed class HeldInvalidation : ICacheInvalidation
{
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _passes = int.MaxValue;

    /// <summary>Completes when an announcement is being held.</summary>
    public Task Held => _held.Task;

    public void HoldAfter(int passes) => Volatile.Write(ref _passes, passes);

    public void Release() => _released.TrySetResult();

    public async Task KnowledgeBaseChangedAsync(string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Decrement(ref _passes) < 0)
        {
            _held.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
        }
    }

    public Task ClearWorkflowAsync(string workflowId, string? nodeId = null, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public IDisposable OnKnowledgeBaseChanged(Func<string, Task> handler) => NoSubscription.Instance;

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();

        public void Dispose()
        {
        }
    }
}
