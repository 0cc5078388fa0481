using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;

namespace WorkflowEngine.Tests.Caching.Semantic;

/// <summary>The sample bot with a semantic gate on the whole engine as a host registers it (the built-in model behind
/// <see cref="RecentEmbeddingsGenerator"/>, the SQLite knowledge base, L1 only): what a run costs the embedding model.</summary>
public sealed class QuestionEmbeddedOnceTests : IAsyncLifetime
{
    private readonly string _dbPath = Path.Combine(Path.GetTempPath(), $"embedded-once-{Guid.NewGuid():n}.db");
    private ServiceProvider _services = null!;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddStudioPersistence($"Data Source={_dbPath};Pooling=False");
        services.AddWorkflowEngine();
        _services = services.BuildServiceProvider();
        await using var db = await _services.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        await db.Database.EnsureCreatedAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        File.Delete(_dbPath);
    }

    [Fact]
    public async Task RunToCompletionAsync_SemanticGateMisses_QuestionEmbeddedOnceForLookupSearchAndStore()
    {
        // Arrange: the sample knowledge base indexed, the bot's gate matching by meaning.
        var knowledge = _services.GetRequiredService<KnowledgeBaseService>();
        var kb = await knowledge.EnsureSampleAsync(Timeout);
        await knowledge.WaitForIndexingAsync(kb, Timeout);
        var bot = SampleWorkflows.FaqBot(kb);
        var gate = bot.Nodes.Single(n => n.Id == "cache");
        var semantic = System.Text.Json.JsonSerializer.SerializeToElement(new { input = "{{ clean.text }}", matchMode = "semantic" });
        bot = bot with { Nodes = [.. bot.Nodes.Select(n => n == gate ? n with { Settings = semantic } : n)] };
        var runner = _services.GetRequiredService<WorkflowRunner>();
        var model = Assert.IsType<RecentEmbeddingsGenerator>(_services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        var before = model.Computed;

        // Act: a new question (the gate misses, the retrieve step searches, the gate stores the answer), then the same again.
        var miss = await runner.RunToCompletionAsync(bot, new RunRequest("faq", "How long does a refund take?"), Timeout);
        var afterMiss = model.Computed;
        var events = new List<WorkflowEvent>();
        var hit = await runner.RunToCompletionAsync(bot, new RunRequest("faq", "How long does a refund take?"), e =>
        {
            events.Add(e);
            return ValueTask.CompletedTask;
        }, Timeout);

        // Assert: one embedding for the miss (it was three: the lookup, the search, the store), and the stored answer served.
        Assert.True(miss.Succeeded, miss.Error);
        Assert.Equal(NodeRunStatus.Succeeded, miss["retrieve"]!.Status);
        Assert.True(miss.Outputs["retrieve"].Get<bool>("found"));
        Assert.Equal(1, afterMiss - before);
        Assert.True(hit.Succeeded, hit.Error);
        Assert.Equal(CacheStatus.Hit, events.OfType<NodeSucceeded>().Single(e => e.NodeId == "cache").Cache.Status);
        Assert.Equal(miss.Answer, hit.Answer);
        Assert.Equal(afterMiss, model.Computed);
    }
}
