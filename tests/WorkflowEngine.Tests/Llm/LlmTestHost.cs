using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Llm;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Llm;

/// <summary>Real DI wiring of the LLM area (options, resilient HTTP client, factory) for tests, and a way to run one llm node.</summary>
internal static class LlmTestHost
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>Services with <c>Llm:*</c> pointing at <paramref name="server"/> (or nothing configured when null), fast retries.</summary>
    public static ServiceProvider CreateServices(FakeOpenAiServer? server, Action<LlmOptions>? configure = null, IDictionary<string, string?>? extra = null,
        ILlmProviderCatalog? providers = null, ILoggerProvider? logs = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Llm:RetryDelayMilliseconds"] = "1",
        };
        if (server is not null)
        {
            settings["Llm:BaseUrl"] = server.BaseUrl;
            settings["Llm:ApiKey"] = server.ApiKey;
            settings["Llm:Model"] = server.Model;
        }
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        if (providers is not null)
        {
            services.AddSingleton(providers);
        }
        if (logs is not null)
        {
            services.AddLogging(b => b.AddProvider(logs));
        }
        services.AddEngineLlm(configure);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>A run in which the given upstream nodes already produced their outputs, and the llm node with these settings.</summary>
    public static NodeContext CreateContext(
        LlmNode.Config config,
        RunRequest? request = null,
        IReadOnlyList<(string Id, string Type, object Outputs)>? upstream = null,
        List<string>? tokens = null)
    {
        upstream ??= [];
        var nodes = upstream
            .Select(u => new NodeDefinition(u.Id, u.Type, u.Id, NodeDefinition.EmptySettings, NodeCacheSettings.Disabled))
            .Append(new NodeDefinition("llm", "llm", "LLM", JsonSerializer.SerializeToElement(config, Web), NodeCacheSettings.Disabled))
            .ToImmutableArray();
        var graph = new WorkflowGraph { Name = "test", Nodes = nodes };
        var run = new RunContext(graph, request ?? new RunRequest("wf", "How long does a refund take?"), e =>
        {
            if (e is TokenStreamed t && tokens is not null)
            {
                lock (tokens)
                {
                    tokens.Add(t.Text);
                }
            }
            return ValueTask.CompletedTask;
        }, TimeProvider.System);
        foreach (var (id, _, outputs) in upstream)
        {
            run.SetOutputs(id, NodeOutputs.From(outputs));
        }
        return new NodeContext(run, graph.FindNode("llm")!);
    }

    /// <summary>Prepares and runs the llm node the way the runner does.</summary>
    public static async Task<NodeResult> RunAsync(ServiceProvider services, NodeContext context, CancellationToken cancellationToken = default)
    {
        var node = services.GetRequiredService<LlmNode>();
        var prepared = node.Prepare(context);
        return await prepared.ExecuteAsync(cancellationToken);
    }

    /// <summary>A fixed list of providers, standing in for the studio's encrypted store (tested in the studio's tests).</summary>
    public sealed class ProviderList(params LlmProviderSettings[] providers) : ILlmProviderCatalog
    {
        public LlmProviderSettings? Find(string id) => providers.FirstOrDefault(p => p.Id == id);

        public IReadOnlyList<LlmProviderSettings> All => providers;
    }

    /// <summary>A loopback port nobody listens on.</summary>
    public static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>Keeps every formatted log message (the LLM area's failures are told in the log only).</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

    public IReadOnlyCollection<string> Messages => _messages;

    public ILogger CreateLogger(string categoryName) => new Logger(_messages);

    public void Dispose()
    {
    }

    private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            messages.Enqueue(formatter(state, exception));
    }
}
