using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowEngine.Caching;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Execution.Middleware;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Tests.Caching;

/// <summary>A node whose body counts its executions; what it returns is up to the test.</summary>
internal sealed class ProbeNode : Node<ProbeNode.Config, ProbeNode.Input>
{
    private int _executions;

    public sealed record Config
    {
        public string Prompt { get; init; } = "Answer briefly.";
        public double Temperature { get; init; } = 0.2;
        public string? KnowledgeBaseId { get; init; }
    }

    public sealed record Input(string Query);

    public int Executions => Volatile.Read(ref _executions);

    public TimeSpan Delay { get; set; }

    public Func<Input, NodeContext, CancellationToken, ValueTask<NodeResult>>? Behaviour { get; set; }

    protected override Input ResolveInput(NodeContext context, Config config) => new(context.Request.Query);

    protected override async ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, Input input, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _executions);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }
        if (Behaviour is not null)
        {
            return await Behaviour(input, context, cancellationToken);
        }
        return new NodeResult(NodeOutputs.From(new { text = $"answer to {input.Query} ({config.Prompt})" }))
        {
            Usage = new TokenUsage(10, 5),
        };
    }
}

/// <summary>Builds engine service providers (one per simulated instance) and runs one node through the caching middleware.</summary>
internal static class CacheTestKit
{
    public static readonly NodeTypeAttribute ProbeMetadata = new("probe") { CacheKind = "llm_response" };

    public static ServiceProvider CreateProvider(string? redisConnectionString, Action<EngineCacheOptions>? configure = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redisConnectionString })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.AddEngineCaching();
        if (configure is not null)
        {
            services.Configure(configure);
        }
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        // What the host does at startup: create the cache (connecting to Redis) before the first run.
        provider.GetRequiredService<CachingMiddleware>();
        provider.GetRequiredService<RedisConnection>().WaitForConnectionAttemptAsync().GetAwaiter().GetResult();
        provider.GetRequiredService<CacheInvalidation>().Subscribed.GetAwaiter().GetResult();
        return provider;
    }

    public static NodeDefinition Definition(string id = "llm", object? settings = null, bool enabled = true, int ttlSeconds = 600) =>
        new(id, "probe", id, settings is null ? NodeDefinition.EmptySettings : JsonSerializer.SerializeToElement(settings, new JsonSerializerOptions(JsonSerializerDefaults.Web)),
            new NodeCacheSettings(enabled, ttlSeconds));

    public static async Task<NodeRun> RunAsync(IServiceProvider services, Node node, NodeDefinition definition, string workflowId, string query,
        CancellationToken cancellationToken = default, NodeTypeAttribute? metadata = null)
    {
        var events = new List<WorkflowEvent>();
        var graph = new WorkflowGraph { Nodes = [definition] };
        var run = new RunContext(graph, new RunRequest(workflowId, query), e =>
        {
            lock (events)
            {
                events.Add(e);
            }
            return ValueTask.CompletedTask;
        }, TimeProvider.System);
        var context = new NodeContext(run, definition);
        var invocation = new NodeInvocation(context, node, metadata ?? ProbeMetadata, node.Prepare(context), cancellationToken);
        var middleware = services.GetRequiredService<CachingMiddleware>();
        var execution = await middleware.InvokeAsync(invocation,
            async i => new NodeExecution(await i.Prepared.ExecuteAsync(i.CancellationToken), CacheOutcome.Bypass));
        return new NodeRun(execution, events, NodeCacheKey.For(invocation).Value);
    }

    public static string NewWorkflowId() => "wf" + Guid.NewGuid().ToString("n")[..10];

    /// <summary>Polls until <paramref name="condition"/> holds (for effects that travel over Redis), failing after <paramref name="timeout"/>.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> attempt, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        T last = default!;
        try
        {
            await WorkflowTesting.Eventually.WaitUntilAsync(async () => condition(last = await attempt()), timeout, what, TimeSpan.FromMilliseconds(100));
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message} Last result: {last}");
        }
        return last;
    }
}

internal sealed record NodeRun(NodeExecution Execution, IReadOnlyList<WorkflowEvent> Events, string Key)
{
    public CacheOutcome Cache => Execution.Cache;
    public string? Text => Execution.Result.Outputs.GetString("text");
    public string Tokens => string.Concat(Events.OfType<TokenStreamed>().Select(t => t.Text));
}
