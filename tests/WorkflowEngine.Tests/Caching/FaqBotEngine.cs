using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Tests.Caching;

/// <summary>A real engine for whole runs of the sample FAQ bot: caching on the given Redis (none: L1 only), the offline LLM
/// responder unless a model is configured, and the in-memory keyword knowledge base <see cref="KnowledgeBaseId"/> with two articles. Returns once Redis
/// was tried and the invalidation channel is subscribed.</summary>
internal static class FaqBotEngine
{
    public const string KnowledgeBaseId = "help";

    /// <param name="settings">More configuration, e.g. <c>Llm:BaseUrl</c> to use a model instead of the offline responder.</param>
    public static ServiceProvider Create(string? redisConnectionString, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redisConnectionString };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        services.AddWorkflowEngine();
        // No ValidateOnBuild: without SQLite persistence the knowledge store stays unresolved (the in-memory search is used).
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        provider.GetRequiredService<CachingMiddleware>();
        provider.GetRequiredService<RedisConnection>().WaitForConnectionAttemptAsync().GetAwaiter().GetResult();
        provider.GetRequiredService<CacheInvalidation>().Subscribed.GetAwaiter().GetResult();
        provider.GetRequiredService<SimpleKeywordSearch>().SetChunks(KnowledgeBaseId,
        [
            new KnowledgeChunk("d1", "refunds.md", "Refunds", "You can get a refund within 30 days of purchase. Bring the receipt."),
            new KnowledgeChunk("d2", "hours.md", "Opening hours", "We are open Monday to Friday from 9 to 17."),
        ]);
        return provider;
    }
}
