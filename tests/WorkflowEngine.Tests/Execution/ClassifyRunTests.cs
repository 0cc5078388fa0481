using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Execution;

/// <summary>Workflows with a classify step on the whole engine (AddWorkflowEngine, L1 cache, the built-in embedding model),
/// and with the LLM step's model deciding, against the fake OpenAI-compatible server.</summary>
public sealed class ClassifyRunTests(ClassifyRunTests.Engines engines) : IClassFixture<ClassifyRunTests.Engines>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    // Each test starts from a server with no failures, no responder and no recorded requests.
    private readonly FakeOpenAiServer _server = Reset(engines.Server);

    private static FakeOpenAiServer Reset(FakeOpenAiServer server)
    {
        server.Reset();
        return server;
    }

    /// <summary>Two engines for the class (each loads the embedding model once): one with no model configured, one whose
    /// default model is the fake server. Tests use workflow ids of their own, so their cached results never meet.</summary>
    public sealed class Engines : IAsyncLifetime
    {
        public FakeOpenAiServer Server { get; private set; } = null!;

        public ServiceProvider Offline { get; private set; } = null!;

        public ServiceProvider WithModel { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Server = await FakeOpenAiServer.StartAsync();
            Offline = Create(null);
            WithModel = Create(Server);
        }

        public async Task DisposeAsync()
        {
            await Offline.DisposeAsync();
            await WithModel.DisposeAsync();
            await Server.DisposeAsync();
        }

        private static ServiceProvider Create(FakeOpenAiServer? server)
        {
            var settings = new Dictionary<string, string?> { ["Llm:RetryDelayMilliseconds"] = "1" };
            if (server is not null)
            {
                settings["Llm:BaseUrl"] = server.BaseUrl;
                settings["Llm:ApiKey"] = server.ApiKey;
                settings["Llm:Model"] = server.Model;
            }
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
            services.AddWorkflowEngine();
            return services.BuildServiceProvider();
        }
    }

    [Theory]
    [InlineData("My parcel was due on Monday and still hasn't arrived", "orders")]
    [InlineData("I want to send back the jacket I bought", "orders")]
    [InlineData("The site says my password is wrong and I can't sign in", "account")]
    [InlineData("How do I close my customer account?", "account")]
    public async Task RunToCompletionAsync_OrderAndAccountQuestions_EachTakesItsClassesBranchAndSkipsTheOthers(string question, string expected)
    {
        // Arrange
        var services = Engine(withModel: false);
        var graph = Routing(new { classes = Classes() });

        // Act
        var result = await Runner(services).RunToCompletionAsync(graph, new RunRequest("wf-route", question));

        // Assert
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal($"{expected} team: {question}", result.Answer);
        var route = result["route"]!;
        Assert.Equal(expected, route.Port);
        Assert.Equal("examples", route.Details![ClassifyNode.MethodDetail]);
        var outputs = result.Outputs["route"];
        Assert.Equal(expected, outputs.GetString("class"));
        Assert.True(Confidence(outputs) >= ClassifyNode.DefaultMinConfidence, route.Details["scores"]);
        foreach (var other in new[] { "orders", "account", "other" }.Where(b => b != expected))
        {
            Assert.Equal(NodeRunStatus.Skipped, result[other]!.Status);
            Assert.Equal($"bypassed: 'Route' continued on '{expected}'", result[other]!.Message);
        }
    }

    [Fact]
    public async Task RunToCompletionAsync_QuestionLikeNoExample_TakesTheFallbackWithItsConfidence()
    {
        // Arrange
        var services = Engine(withModel: false);
        var graph = Routing(new { classes = Classes() });

        // Act
        var result = await Runner(services).RunToCompletionAsync(graph, new RunRequest("wf-route", "What's the weather like in Paris today?"));

        // Assert
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("other team: What's the weather like in Paris today?", result.Answer);
        Assert.Equal("other", result["route"]!.Port);
        Assert.Equal("other", result.Outputs["route"].GetString("class"));
        Assert.True(Confidence(result.Outputs["route"]) < ClassifyNode.DefaultMinConfidence);
        Assert.Contains("is below the confidence needed (0.34)", result["route"]!.Details!["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunToCompletionAsync_ConfidenceSetAboveTheMatch_OrderQuestionTakesTheFallback()
    {
        // Arrange
        var services = Engine(withModel: false);
        var relaxed = Routing(new { classes = Classes() });
        var strict = Routing(new { classes = Classes(), minConfidence = 0.95, fallback = "human" }, fallback: "human");
        const string Question = "Where is my order? It was due yesterday";

        // Act
        var normal = await Runner(services).RunToCompletionAsync(relaxed, new RunRequest("wf-relaxed", Question));
        var result = await Runner(services).RunToCompletionAsync(strict, new RunRequest("wf-strict", Question));

        // Assert
        Assert.Equal("orders", normal["route"]!.Port);
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("human", result["route"]!.Port);
        Assert.Equal($"other team: {Question}", result.Answer);
        Assert.Equal(Confidence(normal.Outputs["route"]), Confidence(result.Outputs["route"]));
        Assert.Contains("nearest class 'orders'", result["route"]!.Details!["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunToCompletionAsync_CachedStepAskedTheSameQuestion_HitTakesTheSamePortAndExamplesAreEmbeddedOnce()
    {
        // Arrange
        var services = Engine(withModel: false);
        var graph = Routing(new { classes = Classes() }, cache: new NodeCacheSettings(true, 3600));
        var recent = (RecentEmbeddingsGenerator)services.GetRequiredService<Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>>();

        // Act
        var first = await Runner(services).RunToCompletionAsync(graph, new RunRequest("wf-cached", "How do I reset my password?"));
        var computed = recent.Computed;
        var second = await Runner(services).RunToCompletionAsync(graph, new RunRequest("wf-cached", "How do I reset my password?"));
        var other = await Runner(services).RunToCompletionAsync(graph, new RunRequest("wf-cached", "Where is my parcel?"));

        // Assert
        Assert.Equal(CacheStatus.Miss, first["route"]!.Cache!.Status);
        Assert.Equal(CacheStatus.Hit, second["route"]!.Cache!.Status);
        Assert.Equal(computed + 1, recent.Computed); // after the first run only the third run's new question was embedded
        Assert.Equal("account", second["route"]!.Port);
        Assert.Equal(first.Answer, second.Answer);
        Assert.Equal(NodeRunStatus.Skipped, second["orders"]!.Status);
        Assert.Equal(CacheStatus.Miss, other["route"]!.Cache!.Status);
        Assert.Equal("orders", other["route"]!.Port);
    }

    [Fact]
    public async Task RunToCompletionAsync_UseModel_TheLlmStepsModelPicksTheClass()
    {
        // Arrange
        _server.Responder = r => r.SystemMessage == ClassifyNode.ModelInstructions ? "account" : "Model answer to: " + r.LastUserMessage;
        var services = Engine(withModel: true);
        var graph = Routing(new { classes = Classes(), useModel = true }, withLlm: true);

        // Act: worded like an order question, so only the model can send it to "account".
        var result = await Runner(services).RunToCompletionAsync(graph, new RunRequest("wf-model", "Where is my order history in my profile?"));

        // Assert
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("account", result["route"]!.Port);
        Assert.Equal("Model answer to: account team: Where is my order history in my profile?", result.Answer);
        Assert.Equal(1.0, Confidence(result.Outputs["route"]));
        var details = result["route"]!.Details!;
        Assert.Equal("model", details[ClassifyNode.MethodDetail]);
        Assert.Equal($"{new Uri(_server.BaseUrl).ToString().TrimEnd('/')} · {_server.Model}", details["model"]);
        var asked = _server.ChatRequests.First(r => r.SystemMessage == ClassifyNode.ModelInstructions);
        Assert.Contains("- orders: for example \"Where is my order?\"", asked.LastUserMessage, StringComparison.Ordinal);
        Assert.Contains("- account: for example \"I can't log in to my account\"", asked.LastUserMessage, StringComparison.Ordinal);
        Assert.EndsWith("Message: Where is my order history in my profile?", asked.LastUserMessage, StringComparison.Ordinal);
        Assert.Equal(0, asked.Temperature);
    }

    [Fact]
    public async Task RunToCompletionAsync_UseModelAndTheModelNamesNoClass_TakesTheFallback()
    {
        // Arrange
        _server.Responder = r => r.SystemMessage == ClassifyNode.ModelInstructions ? "none" : "Model answer";
        var services = Engine(withModel: true);
        var graph = Routing(new { classes = Classes(), useModel = true }, withLlm: true);

        // Act
        var result = await Runner(services).RunToCompletionAsync(graph, new RunRequest("wf-model-none", "Where is my order?"));

        // Assert
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("other", result["route"]!.Port);
        Assert.Equal(0.0, Confidence(result.Outputs["route"]));
        Assert.Equal("none", result["route"]!.Details!["reply"]);
    }

    [Fact]
    public async Task RunToCompletionAsync_UseModelWithoutAConfiguredModel_TheExamplesDecide()
    {
        // Arrange
        var services = Engine(withModel: false);
        var graph = Routing(new { classes = Classes(), useModel = true }, withLlm: true);

        // Act
        var result = await Runner(services).RunToCompletionAsync(graph, new RunRequest("wf-model-offline", "Where is my order?"));

        // Assert
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("orders", result["route"]!.Port);
        Assert.Equal("examples", result["route"]!.Details![ClassifyNode.MethodDetail]);
        Assert.Equal("none configured: classified by the examples", result["route"]!.Details!["model"]);
        Assert.Equal(0, _server.ChatCallCount);
    }

    [Fact]
    public async Task RunToCompletionAsync_UseModelAndTheModelFails_RunFailsAtTheStepWithThePlainMessage()
    {
        // Arrange
        _server.FailAlways(500);
        var services = Engine(withModel: true);
        var graph = Routing(new { classes = Classes(), useModel = true }, withLlm: true);

        // Act
        var result = await Runner(services).RunToCompletionAsync(graph, new RunRequest("wf-model-down", "Where is my order?"));

        // Assert
        Assert.False(result.Succeeded);
        Assert.Equal("route", result.FailedNodeId);
        Assert.StartsWith("'Route' failed: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_server.ApiKey, result.Error, StringComparison.Ordinal);
    }

    private ServiceProvider Engine(bool withModel) => withModel ? engines.WithModel : engines.Offline;

    private static WorkflowRunner Runner(ServiceProvider services) => services.GetRequiredService<WorkflowRunner>();

    private static double Confidence(NodeOutputs outputs) =>
        outputs.TryGet("confidence", out var value) ? value.GetDouble() : double.NaN;

    private static object[] Classes() =>
    [
        new { name = "orders", examples = new[] { "Where is my order?", "When will my parcel arrive?", "I want to cancel my order", "How do I return an item?", "My package arrived damaged" } },
        new { name = "account", examples = new[] { "I can't log in to my account", "How do I reset my password?", "How do I create an account?", "Please delete my account" } },
    ];

    /// <summary>start → route; route(orders) → orders, route(account) → account, route(fallback) → other; each a template
    /// naming its team, all into the answer (through an llm step when <paramref name="withLlm"/>).</summary>
    private static WorkflowGraph Routing(object settings, NodeCacheSettings? cache = null, string fallback = "other", bool withLlm = false)
    {
        NodeDefinition[] nodes =
        [
            Node("start", NodeRegistry.KeyOf<StartNode>(), "Question", new { }),
            Node("route", NodeRegistry.KeyOf<ClassifyNode>(), "Route", settings, cache),
            Node("orders", NodeRegistry.KeyOf<TemplateNode>(), "Orders", new { template = "orders team: {{ start.query }}" }),
            Node("account", NodeRegistry.KeyOf<TemplateNode>(), "Account", new { template = "account team: {{ start.query }}" }),
            Node("other", NodeRegistry.KeyOf<TemplateNode>(), "Other", new { template = "other team: {{ start.query }}" }),
        ];
        const string Joined = "{{ orders.text }}{{ account.text }}{{ other.text }}";
        Edge[] edges = [new("start", "route"), new("route", "orders", "orders"), new("route", "account", "account"), new("route", "other", fallback)];
        if (withLlm)
        {
            nodes = [.. nodes, Node("llm", NodeRegistry.KeyOf<LlmNode>(), "Write", new { prompt = Joined, historyTurns = 0 }),
                Node("answer", NodeRegistry.KeyOf<AnswerNode>(), "Reply", new { template = "{{ llm.text }}" })];
            edges = [.. edges, new("orders", "llm"), new("account", "llm"), new("other", "llm"), new("llm", "answer")];
        }
        else
        {
            nodes = [.. nodes, Node("answer", NodeRegistry.KeyOf<AnswerNode>(), "Reply", new { template = Joined })];
            edges = [.. edges, new("orders", "answer"), new("account", "answer"), new("other", "answer")];
        }
        return new WorkflowGraph { Name = "Routing", Nodes = [.. nodes], Edges = [.. edges] };
    }

    private static NodeDefinition Node(string id, string type, string title, object settings, NodeCacheSettings? cache = null) =>
        new(id, type, title, JsonSerializer.SerializeToElement(settings, Web), cache ?? NodeCacheSettings.Disabled);
}
