namespace Microsoft.Extensions.DependencyInjection;

internal static class ExecutionServiceCollectionExtensions
{
    public static IServiceCollection AddEngineExecution(this IServiceCollection services)
    {
        return services;
    }
}
