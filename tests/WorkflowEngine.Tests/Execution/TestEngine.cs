using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Tests.Execution;

/// <summary>A real engine container (AddEngineExecution) with the engine's node types plus the test node types of this assembly.</summary>
internal static class TestEngine
{
    public static ServiceProvider Create(Action<ExecutionOptions>? options = null, Action<IServiceCollection>? configure = null, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        if (time is not null)
        {
            services.AddSingleton(time);
        }
        services.AddSingleton(new NodeRegistry(NodeRegistry.Discover().Concat(NodeRegistry.Discover(typeof(TestEngine).Assembly)
            .Where(d => d.Key.StartsWith("test-", StringComparison.Ordinal)))));
        services.AddSingleton<TestProbe>();
        configure?.Invoke(services);
        services.AddEngineExecution(options ?? (_ => { }));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static WorkflowRunner Runner(this ServiceProvider services) => services.GetRequiredService<WorkflowRunner>();

    public static RunRequest Request(string query = "hello") => new("wf-test", query);

    /// <summary>A graph from nodes and edges, settings as JSON text.</summary>
    public static WorkflowGraph Graph(IEnumerable<NodeDefinition> nodes, params Edge[] edges) => new() { Name = "test", Nodes = [.. nodes], Edges = [.. edges] };

    public static NodeDefinition Node(string id, string type, string settingsJson = "{}") =>
        new(id, type, id, System.Text.Json.JsonDocument.Parse(settingsJson).RootElement.Clone(), NodeCacheSettings.Disabled);

    public static Edge Edge(string from, string to, string? fromPort = null) => new(from, to, fromPort);
}
