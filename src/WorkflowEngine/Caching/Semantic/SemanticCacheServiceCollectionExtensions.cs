using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowEngine.Caching;
using WorkflowEngine.Caching.Semantic;

namespace Microsoft.Extensions.DependencyInjection;

internal static class SemanticCacheServiceCollectionExtensions
{
    /// <summary>The cache gate's <c>matchMode: semantic</c>. Needs caching (<c>AddEngineCaching</c>) and knowledge
    /// (<c>AddEngineKnowledge</c>: embeddings and search) registered too; options under <c>Engine:Cache:Semantic</c>.</summary>
    public static IServiceCollection AddEngineSemanticCache(this IServiceCollection services, Action<SemanticMatchOptions>? configure = null)
    {
        var options = services.AddOptions<SemanticMatchOptions>().BindConfiguration(SemanticMatchOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISemanticEntryStore, RedisSemanticEntryStore>();
        services.TryAddSingleton<IRetrievalConfirmation, ArcticRetrievalConfirmation>();
        services.TryAddSingleton<SemanticAnswerMatcher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAnswerMatcher, SemanticAnswerMatcher>(sp => sp.GetRequiredService<SemanticAnswerMatcher>()));
        return services;
    }
}
