using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowEngine.Execution;
using WorkflowEngine.Execution.Middleware;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Nodes;

namespace Microsoft.Extensions.DependencyInjection;

public static class ExecutionServiceCollectionExtensions
{
    /// <summary>The runner, node types and the node middleware (events and timing, then error handling; the caching area adds
    /// its middleware at <see cref="NodeMiddlewareOrder.Caching"/>). Options from <c>Engine:Execution</c>.</summary>
    public static IServiceCollection AddEngineExecution(this IServiceCollection services) => services.AddEngineExecution(_ => { });

    /// <inheritdoc cref="AddEngineExecution(IServiceCollection)"/>
    public static IServiceCollection AddEngineExecution(this IServiceCollection services, Action<ExecutionOptions> configure)
    {
        services.AddOptions<ExecutionOptions>()
            .BindConfiguration(ExecutionOptions.SectionName)
            .Configure(configure)
            .Validate(o => o.NodeTimeout > TimeSpan.Zero && o.NodeTimeout <= TimeSpan.FromHours(1),
                "Engine:Execution:NodeTimeout must be more than zero and at most one hour (e.g. 00:01:00).")
            .Validate(o => o.OutputPreviewLength is >= 0 and <= 100_000, "Engine:Execution:OutputPreviewLength must be between 0 and 100000.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new NodeRegistry(NodeRegistry.Discover()));
        services.TryAddSingleton<NodeFactory>();
        services.TryAddSingleton(sp => new GraphValidator(sp.GetRequiredService<NodeRegistry>(), sp));
        services.TryAddSingleton<WorkflowCompiler>();
        services.TryAddSingleton<WorkflowRunner>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INodeMiddleware, EventsMiddleware>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INodeMiddleware, ErrorHandlingMiddleware>());
        // A simple in-memory search so the retrieve node always has one; the knowledge area replaces it with the real store.
        services.TryAddSingleton<SimpleKeywordSearch>();
        services.TryAddSingleton<IKnowledgeSearch>(sp => sp.GetRequiredService<SimpleKeywordSearch>());
        return services;
    }
}
