using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Api;

/// <summary>The real studio over real HTTP with a temp SQLite file, a real redis-server and the fake OpenAI-compatible server.</summary>
public sealed class ApiServer : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789-abcdefghijklmnop";

    private ApiServer(StudioServer studio, RedisServer? redis, FakeOpenAiServer llm, bool ownsRedis, OpenApiContract contract)
    {
        Contract = contract;
        Studio = studio;
        Redis = redis;
        Llm = llm;
        OwnsRedis = ownsRedis;
    }

    public StudioServer Studio { get; }

    /// <summary>The studio's served OpenAPI document: every answer a <see cref="Client"/> receives is checked against it.</summary>
    public OpenApiContract Contract { get; }

    public RedisServer? Redis { get; }

    public FakeOpenAiServer Llm { get; }

    private bool OwnsRedis { get; }

    /// <param name="redis">A running redis-server to use; null starts none (Redis disabled).</param>
    public static async Task<ApiServer> StartAsync(RedisServer? redis, IReadOnlyDictionary<string, string?>? settings = null, bool ownsRedis = false)
    {
        var llm = await FakeOpenAiServer.StartAsync();
        llm.Responder = r => $"Answer to: {r.LastUserMessage?.Split('\n').Last()}";
        var configuration = new Dictionary<string, string?>
        {
            ["Api:AdminKey"] = AdminKey,
            ["Api:RateLimitPermits"] = "1000000",
            ["Api:FailedKeyPermits"] = "1000000",
            ["Llm:BaseUrl"] = llm.BaseUrl,
            ["Llm:ApiKey"] = llm.ApiKey,
            ["Llm:Model"] = llm.Model,
            ["ConnectionStrings:Redis"] = redis?.ConnectionString,
            ["Engine:Cache:KeyPrefix"] = $"api-{Guid.NewGuid():n}:",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        var studio = await StudioServer.StartAsync(configuration);
        await studio.WaitUntilReadyAsync();
        using var plain = studio.CreateClient();
        var contract = OpenApiContract.Parse(await plain.GetStringAsync("openapi/v1.json"));
        return new ApiServer(studio, redis, llm, ownsRedis, contract);
    }

    /// <summary>A client whose every answer is checked against <see cref="Contract"/> (a violation fails the request).</summary>
    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient(new OpenApiContractHandler(Contract)) { BaseAddress = Studio.BaseAddress };
        client.Timeout = TimeSpan.FromSeconds(60);
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    public HttpClient Admin() => Client(AdminKey);

    /// <summary>The sample FAQ bot on the sample knowledge base (changed by <paramref name="edit"/> when given), under a new id.</summary>
    public async Task<string> CreateFaqBotAsync(string? name = null, Func<WorkflowGraph, WorkflowGraph>? edit = null)
    {
        var graph = SampleWorkflows.FaqBot(SampleKnowledgeBase.Id) with { Name = name ?? $"FAQ {Guid.NewGuid():n}" };
        graph = edit is null ? graph : edit(graph);
        using var admin = Admin();
        using var response = await admin.PostAsync("api/workflows", Json(WorkflowJson.Serialize(graph)));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>The graph with its retrieve step searching <paramref name="knowledgeBaseId"/> instead of the sample.</summary>
    public static WorkflowGraph OnKnowledgeBase(WorkflowGraph graph, string knowledgeBaseId, double minScore = 0.2) => graph with
    {
        Nodes = [.. graph.Nodes.Select(n => n.Id == "retrieve"
            ? n with { Settings = JsonSerializer.SerializeToElement(new { knowledgeBaseId, query = "{{ clean.text }}", topK = 3, minScore, mode = "hybrid" }) }
            : n)],
    };

    public async Task<(string Id, string Key)> CreateKeyAsync(string workflowId)
    {
        using var admin = Admin();
        using var response = await admin.PostAsJsonAsync($"api/workflows/{workflowId}/keys", new { name = "test" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetString()!, body.GetProperty("key").GetString()!);
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static Task<JsonElement> ReadAsync(HttpResponseMessage response) => response.Content.ReadFromJsonAsync<JsonElement>();

    public async ValueTask DisposeAsync()
    {
        await Studio.DisposeAsync();
        await Llm.DisposeAsync();
        if (OwnsRedis && Redis is not null)
        {
            Redis.Dispose();
        }
    }
}

/// <summary>One studio with the admin key, Redis and the fake LLM, shared by the API tests of the "api" collection.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    private RedisServer? _redis;

    public ApiServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _redis = new RedisServer();
        await _redis.InitializeAsync();
        Server = await ApiServer.StartAsync(_redis, ownsRedis: true);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
