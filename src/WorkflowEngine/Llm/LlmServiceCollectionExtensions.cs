namespace Microsoft.Extensions.DependencyInjection;

internal static class LlmServiceCollectionExtensions
{
    public static IServiceCollection AddEngineLlm(this IServiceCollection services)
    {
        return services;
    }
}
