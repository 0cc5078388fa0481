using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowStudio.Runs;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Runs;

/// <summary>The engine and the run services on a migrated test database (SQLite or PostgreSQL), with the LLM pointed at a fake
/// OpenAI-compatible server.</summary>
public sealed class RunServiceHost : IAsyncDisposable
{
    private readonly TestDatabase _database;

    private RunServiceHost(TestDatabase database, ServiceProvider provider, FakeOpenAiServer llm, FakeTimeProvider? clock)
    {
        _database = database;
        Provider = provider;
        Llm = llm;
        Clock = clock;
    }

    public ServiceProvider Provider { get; }

    public FakeOpenAiServer Llm { get; }

    /// <summary>The clock runs are timed with, when the test set one (model calls keep the wall clock).</summary>
    public FakeTimeProvider? Clock { get; }

    public WorkflowRunService Runs => Provider.GetRequiredService<WorkflowRunService>();

    public RunHistory History => Provider.GetRequiredService<RunHistory>();

    public static async Task<RunServiceHost> StartAsync(int keepPerWorkflow = 200, DatabaseProvider provider = DatabaseProvider.Sqlite, FakeTimeProvider? clock = null)
    {
        var llm = await FakeOpenAiServer.StartAsync();
        llm.Responder = r => $"echo: {r.LastUserMessage}";
        var database = await TestDatabase.CreateAsync(provider, "Pooling=False");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Llm:BaseUrl"] = llm.BaseUrl,
            ["Llm:ApiKey"] = llm.ApiKey,
            ["Llm:Model"] = llm.Model,
            ["Studio:Runs:KeepPerWorkflow"] = keepPerWorkflow.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        if (clock is not null)
        {
            services.AddSingleton<TimeProvider>(clock);
        }
        services.AddWorkflowEngine();
        services.AddStudioPersistence(database.Settings);
        services.AddWorkflowRuns();
        var serviceProvider = services.BuildServiceProvider();
        await using (var db = await serviceProvider.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync())
        {
            await StudioDatabase.MigrateAsync(db);
        }
        return new RunServiceHost(database, serviceProvider, llm, clock);
    }

    /// <summary>start → llm (asks the question as is, no caching, 5 history turns) → answer.</summary>
    public static WorkflowGraph ChatGraph(string name = "Echo bot") => new()
    {
        Name = name,
        Nodes =
        [
            new NodeDefinition("start", "start", "Start", NodeDefinition.EmptySettings, NodeCacheSettings.Disabled),
            new NodeDefinition("llm", "llm", "Ask the model", Settings("""{ "prompt": "{{ start.query }}", "historyTurns": 5 }"""), NodeCacheSettings.Disabled),
            new NodeDefinition("answer", "answer", "Answer", NodeDefinition.EmptySettings, NodeCacheSettings.Disabled),
        ],
        Edges = [new Edge("start", "llm"), new Edge("llm", "answer")],
    };

    private static JsonElement Settings(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        await Llm.DisposeAsync();
        await _database.DisposeAsync();
    }
}
