namespace Microsoft.Extensions.DependencyInjection;

internal static class KnowledgeServiceCollectionExtensions
{
    public static IServiceCollection AddEngineKnowledge(this IServiceCollection services)
    {
        return services;
    }
}
