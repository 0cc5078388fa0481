using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace Microsoft.Extensions.DependencyInjection;

public static class WorkflowEngineServiceCollectionExtensions
{
    /// <summary>Registers the engine: node types, runner and middleware, caching (L1, plus Redis L2 when
    /// <c>ConnectionStrings:Redis</c> is set), knowledge search, LLM providers (the offline responder when none is configured), and the HTTP request step's client and limits.
    /// Needs an <c>IConfiguration</c> in the container.</summary>
    public static IServiceCollection AddWorkflowEngine(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new NodeRegistry(NodeRegistry.Discover()));
        services.TryAddSingleton(sp => new GraphValidator(sp.GetRequiredService<NodeRegistry>(), sp));
        services.AddEngineExecution();
        services.AddEngineCaching();
        services.AddEngineKnowledge();
        services.AddEngineSemanticCache();
        services.AddEngineLlm();
        services.AddEngineHttpRequests();
        // The response-cache gate's lookups read the knowledge, execution and LLM areas, so they are registered with all of them.
        services.TryAddSingleton<WorkflowEngine.Caching.ResponseGate>();
        return services;
    }
}
