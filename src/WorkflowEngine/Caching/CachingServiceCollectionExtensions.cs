using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution.Middleware;

namespace Microsoft.Extensions.DependencyInjection;

internal static class CachingServiceCollectionExtensions
{
    /// <summary>The per-node cache: L1 always, Redis L2 + backplane + distributed locker when <c>ConnectionStrings:Redis</c>
    /// is set. Adds the caching middleware after the execution area's own middleware (events, errors), so it sits
    /// innermost, right around the node.</summary>
    public static IServiceCollection AddEngineCaching(this IServiceCollection services)
    {
        services.AddOptions<EngineCacheOptions>()
            .BindConfiguration(EngineCacheOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.RedisSoftTimeout > TimeSpan.Zero && o.RedisHardTimeout >= o.RedisSoftTimeout,
                "Engine:Cache:RedisSoftTimeout must be positive and not above RedisHardTimeout.")
            .Validate(o => o.L1MaxDuration >= TimeSpan.Zero, "Engine:Cache:L1MaxDuration cannot be negative.")
            .Validate(o => o.DefaultTtlSeconds.Values.All(s => s is > 0 and <= 7 * 24 * 3600),
                "Engine:Cache:DefaultTtlSeconds values must be between 1 s and one week.")
            .ValidateOnStart();
        services.TryAddSingleton<RedisConnection>();
        services.TryAddSingleton<EngineCache>();
        services.TryAddSingleton<CacheStatistics>();
        services.TryAddSingleton<CacheInvalidation>();
        services.TryAddSingleton<ICacheInvalidation>(sp => sp.GetRequiredService<CacheInvalidation>());
        services.TryAddSingleton<ConversationMemoryCache>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AnswerRejections>();
        services.TryAddSingleton<ResponseCache>();

        services.TryAddSingleton<CachingMiddleware>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INodeMiddleware, CachingMiddleware>(sp => sp.GetRequiredService<CachingMiddleware>()));
        return services;
    }
}
