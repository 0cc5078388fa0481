using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Http;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Execution;

/// <summary>Workflows with an HTTP request step on the whole engine (AddWorkflowEngine, L1 cache) against a real local web API.</summary>
public sealed class HttpRequestRunTests : IAsyncLifetime
{
    private FakeHttpApi _api = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeHttpApi.StartAsync();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddWorkflowEngine();
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task RunToCompletionAsync_StartHttpAnswer_AnswersWithTheValuePickedFromTheApi()
    {
        // Arrange
        _api.Responder = r => new FakeHttpResponse(200, """{"order":{"id":""" + $"\"{r.Target.Split('/')[^1]}\"" + ""","status":"shipped"}}""");
        var graph = OrderStatus(new { url = _api.Url("orders/{{ start.query | url_encode }}"), jsonPath = "$.order.status" }, NodeCacheSettings.Disabled);

        // Act
        var result = await Runner().RunToCompletionAsync(graph, new RunRequest("wf-orders", "A-42"));

        // Assert
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("Order A-42 is shipped (HTTP 200).", result.Answer);
        Assert.Equal(["start", "http", "answer"], result.Trace.Select(t => t.NodeId));
        var step = result["http"]!;
        Assert.Equal(NodeRunStatus.Succeeded, step.Status);
        Assert.Equal($"GET {_api.Url("orders/A-42")}", step.Details!["request"]);
        Assert.Equal("200", step.Details["status"]);
        Assert.Equal("/orders/A-42", Assert.Single(_api.Requests).Target);
    }

    [Fact]
    public async Task RunToCompletionAsync_HttpStepCachesResults_SecondRunIsServedFromTheCacheWithoutARequest()
    {
        // Arrange
        _api.Responder = _ => new FakeHttpResponse(200, """{"order":{"status":"packed"}}""");
        var graph = OrderStatus(new { url = _api.Url("orders/{{ start.query }}"), jsonPath = "$.order.status" }, new NodeCacheSettings(true, 300));

        // Act
        var first = await Runner().RunToCompletionAsync(graph, new RunRequest("wf-cached", "7"));
        var second = await Runner().RunToCompletionAsync(graph, new RunRequest("wf-cached", "7"));
        var other = await Runner().RunToCompletionAsync(graph, new RunRequest("wf-cached", "8"));

        // Assert
        Assert.True(second.Succeeded, second.Error);
        Assert.Equal(first.Answer, second.Answer);
        Assert.Equal(CacheStatus.Miss, first["http"]!.Cache!.Status);
        Assert.Equal(CacheStatus.Hit, second["http"]!.Cache!.Status);
        Assert.Equal(CacheStatus.Miss, other["http"]!.Cache!.Status);
        Assert.Equal(["/orders/7", "/orders/8"], _api.Requests.Select(r => r.Target));
    }

    [Fact]
    public async Task RunToCompletionAsync_ApiFails_RunFailsAtTheStepWithTheOneMessageAndNoAddressDetails()
    {
        // Arrange
        _api.FailNext(1, 403);
        var graph = OrderStatus(new { url = _api.Url("internal/{{ start.query }}") }, NodeCacheSettings.Disabled);

        // Act
        var result = await Runner().RunToCompletionAsync(graph, new RunRequest("wf-failing", "1"));

        // Assert
        Assert.False(result.Succeeded);
        Assert.Equal("http", result.FailedNodeId);
        Assert.Equal($"'Order lookup' failed: {HttpRequestSender.FailureMessage}", result.Error);
        Assert.DoesNotContain("403", result.Error, StringComparison.Ordinal);
        Assert.Equal(NodeRunStatus.Skipped, result["answer"]?.Status ?? NodeRunStatus.Skipped);
    }

    private WorkflowRunner Runner() => _services.GetRequiredService<WorkflowRunner>();

    private static WorkflowGraph OrderStatus(object httpSettings, NodeCacheSettings cache) => new()
    {
        Name = "Order status",
        Nodes =
        [
            Node("start", NodeRegistry.KeyOf<StartNode>(), "Question", new { }, NodeCacheSettings.Disabled),
            Node("http", NodeRegistry.KeyOf<HttpNode>(), "Order lookup", httpSettings, cache),
            Node("answer", NodeRegistry.KeyOf<AnswerNode>(), "Reply", new { template = "Order {{ start.query }} is {{ http.value }} (HTTP {{ http.status }})." }, NodeCacheSettings.Disabled),
        ],
        Edges = [new Edge("start", "http"), new Edge("http", "answer")],
    };

    private static NodeDefinition Node(string id, string type, string title, object settings, NodeCacheSettings cache) =>
        new(id, type, title, System.Text.Json.JsonSerializer.SerializeToElement(settings, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)), cache);
}
