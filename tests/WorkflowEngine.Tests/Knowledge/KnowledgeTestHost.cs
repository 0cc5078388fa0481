using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;

namespace WorkflowEngine.Tests.Knowledge;

/// <summary>The knowledge services on a temporary SQLite file, with the shared embedding model.</summary>
public sealed class KnowledgeTestHost : IAsyncDisposable
{
    private readonly string _dbPath;

    private KnowledgeTestHost(string dbPath, ServiceProvider provider)
    {
        _dbPath = dbPath;
        Provider = provider;
    }

    public ServiceProvider Provider { get; }

    public KnowledgeBaseService Service => Provider.GetRequiredService<KnowledgeBaseService>();

    public static async Task<KnowledgeTestHost> StartAsync(IEmbeddingGenerator<string, Embedding<float>> embeddings, ICacheInvalidation? invalidation = null, string? dbPath = null,
        Action<KnowledgeOptions>? options = null)
    {
        dbPath ??= Path.Combine(Path.GetTempPath(), $"kb-test-{Guid.NewGuid():n}.db");
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSingleton(embeddings);
        if (invalidation is not null)
        {
            services.AddSingleton(invalidation);
        }
        services.AddStudioPersistence($"Data Source={dbPath};Pooling=False");
        services.AddEngineKnowledge();
        if (options is not null)
        {
            services.Configure(options);
        }
        var provider = services.BuildServiceProvider();
        await using (var db = await provider.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync())
        {
            await db.Database.EnsureCreatedAsync();
        }
        return new KnowledgeTestHost(dbPath, provider);
    }

    public async Task<long> VersionAsync(string kbId) => (await Service.GetAsync(kbId))!.Version;

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        File.Delete(_dbPath);
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

    private sealed class Removal(Action a) : IDisposable
    {
        public void Dispose() => a();
    }
}
