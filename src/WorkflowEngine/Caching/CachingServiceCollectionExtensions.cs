namespace Microsoft.Extensions.DependencyInjection;

internal static class CachingServiceCollectionExtensions
{
    public static IServiceCollection AddEngineCaching(this IServiceCollection services)
    {
        return services;
    }
}
