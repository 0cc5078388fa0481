using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkflowEngine.Caching;
using WorkflowEngine.Graphs;
using WorkflowEngine.Http;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowEngine.Tests.Llm;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Nodes.Types;

/// <summary>The HTTP request step against a real local web API (Kestrel), through the engine's own registration of its client.</summary>
public sealed class HttpNodeTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private FakeHttpApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeHttpApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task ExecuteAsync_GetWithTemplatedUrlAndJsonPath_ReturnsStatusBodyAndTheExtractedValue()
    {
        // Arrange
        _api.Responder = _ => new FakeHttpResponse(200, """{"data":{"items":[{"name":"Blue mug","price":12.5}]}}""");
        await using var services = CreateServices();
        var definition = Http(new { url = _api.Url("orders/{{ start.query }}?lang=en"), jsonPath = "$.data.items[0].name" });

        // Act
        var result = await Harness().RunAsync(Step(services), definition);

        // Assert
        Assert.Equal(200, result.Outputs.Get<int>("status"));
        Assert.Equal("Blue mug", result.Outputs.GetString("value"));
        Assert.Contains("\"price\":12.5", result.Outputs.GetString("body"));
        var request = Assert.Single(_api.Requests);
        Assert.Equal(("GET", "/orders/42?lang=en"), (request.Method, request.Target));
        Assert.Equal($"GET {_api.Url("orders/42")}", result.Details!["request"]);
    }

    [Fact]
    public async Task ExecuteAsync_QuestionWithUrlSyntaxThroughUrlEncode_StaysInItsPathSegmentOnTheSameHost()
    {
        // Arrange: a question that tries to leave its place in the URL (another host, a query of its own).
        await using var services = CreateServices();
        var harness = new NodeHarness().With("start", new { query = "@evil.example/x?admin=1#y" });
        var definition = Http(new { url = _api.Url("orders/{{ start.query | url_encode }}") });

        // Act
        await harness.RunAsync(Step(services), definition);

        // Assert
        var request = Assert.Single(_api.Requests);
        Assert.StartsWith("/orders/", request.Target, StringComparison.Ordinal);
        Assert.DoesNotContain('?', request.Target);
        Assert.Equal("@evil.example/x?admin=1#y", Uri.UnescapeDataString(request.Target["/orders/".Length..]));
    }

    [Fact]
    public async Task ExecuteAsync_QuestionWithoutUrlEncode_CanChangeThePathButNeverTheHost()
    {
        // Arrange
        await using var services = CreateServices();
        var harness = new NodeHarness().With("start", new { query = "@evil.example/../../admin" });

        // Act
        await harness.RunAsync(Step(services), Http(new { url = _api.Url("orders/{{ start.query }}") }));

        // Assert: the request still went to this server.
        Assert.Single(_api.Requests);
    }

    [Fact]
    public async Task ExecuteAsync_PostJsonBodyAndHeader_SendsThemRenderedAsJson()
    {
        // Arrange: "| json" writes the question as a JSON string, quotes and all.
        await using var services = CreateServices();
        var harness = new NodeHarness().With("start", new { query = "say \"hi\"\nplease" });
        var definition = Http(new
        {
            method = "post",
            url = _api.Url("questions"),
            headers = new[] { new { name = "X-Question", value = "{{ start.query }}" } },
            body = """{"question": {{ start.query | json }}}""",
            jsonPath = "ok",
        });

        // Act
        var result = await harness.RunAsync(Step(services), definition);

        // Assert
        Assert.Equal("true", result.Outputs.GetString("value"));
        var request = Assert.Single(_api.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("say \"hi\"\nplease", JsonDocument.Parse(request.Body).RootElement.GetProperty("question").GetString());
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        // A line break from the question cannot end the header.
        Assert.Equal("say \"hi\" please", request.Headers["X-Question"]);
    }

    [Fact]
    public async Task ExecuteAsync_NoJsonPath_ValueIsTheWholeBody()
    {
        // Arrange
        _api.Responder = _ => new FakeHttpResponse(200, "plain text", "text/plain; charset=utf-8");
        await using var services = CreateServices();

        // Act
        var result = await Harness().RunAsync(Step(services), Http(new { url = _api.Url("text") }));

        // Assert
        Assert.Equal("plain text", result.Outputs.GetString("value"));
        Assert.Equal("plain text", result.Outputs.GetString("body"));
    }

    [Fact]
    public async Task ExecuteAsync_JsonPathNotFound_ValueIsNull()
    {
        // Arrange
        _api.Responder = _ => new FakeHttpResponse(200, """{"data":{"items":[]}}""");
        await using var services = CreateServices();

        // Act
        var result = await Harness().RunAsync(Step(services), Http(new { url = _api.Url("orders"), jsonPath = "$.data.items[0].name" }));

        // Assert
        Assert.True(result.Outputs.TryGet("value", out var value));
        Assert.Equal(JsonValueKind.Null, value.ValueKind);
    }

    [Fact]
    public async Task ExecuteAsync_GetAnswers503ThenSucceeds_RetriesAndReturnsTheAnswer()
    {
        // Arrange
        _api.FailNext(1, 503);
        await using var services = CreateServices();
        var definition = Http(new { url = _api.Url("status"), retries = 2, jsonPath = "$.ok" });

        // Act
        var result = await Harness().RunAsync(Step(services), definition);

        // Assert
        Assert.Equal(200, result.Outputs.Get<int>("status"));
        Assert.Equal(2, _api.Requests.Count);
    }

    [Fact]
    public async Task ExecuteAsync_GetAnswers503EveryTime_TriesRetriesPlusOneTimesThenFailsWithTheOneMessage()
    {
        // Arrange
        _api.FailNext(10, 503);
        await using var services = CreateServices();

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Harness().RunAsync(Step(services), Http(new { url = _api.Url("status"), retries = 2 })));

        // Assert
        Assert.Equal(HttpRequestSender.FailureMessage, error.Message);
        Assert.Equal(3, _api.Requests.Count);
        Assert.Contains(_logs.Messages, m => m.Contains("HTTP 503 after 2 retries", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PATCH")]
    public async Task ExecuteAsync_NonIdempotentAnswers503_IsNotSentAgain(string method)
    {
        // Arrange: the server may have applied the request before failing; sending it again could apply it twice.
        _api.FailNext(1, 503);
        await using var services = CreateServices();

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Harness().RunAsync(Step(services), Http(new { method, url = _api.Url("orders"), body = "{}", retries = 3 })));

        // Assert
        Assert.Equal(HttpRequestSender.FailureMessage, error.Message);
        Assert.Single(_api.Requests);
    }

    [Fact]
    public async Task ExecuteAsync_PostToAClosedPort_TriedAgainBecauseNothingWasSent()
    {
        // Arrange
        await using var services = CreateServices();
        var url = $"http://127.0.0.1:{LlmTestHost.ClosedPort()}/orders";

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Harness().RunAsync(Step(services), Http(new { method = "POST", url, body = "{}", retries = 2 })));

        // Assert
        Assert.Equal(HttpRequestSender.FailureMessage, error.Message);
        Assert.Contains(_logs.Messages, m => m.Contains("could not connect", StringComparison.Ordinal) && m.EndsWith("after 2 retries", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecuteAsync_NotFound_IsNotRetriedAndFailsWithTheOneMessage()
    {
        // Arrange
        _api.FailNext(1, 404);
        await using var services = CreateServices();

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Harness().RunAsync(Step(services), Http(new { url = _api.Url("missing"), retries = 3 })));

        // Assert
        Assert.Equal(HttpRequestSender.FailureMessage, error.Message);
        Assert.Single(_api.Requests);
        Assert.Contains(_logs.Messages, m => m.Contains("HTTP 404", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecuteAsync_NotFoundWithContinueOnErrorStatus_PassesTheStatusAndBodyOn()
    {
        // Arrange
        _api.Responder = _ => new FakeHttpResponse(404, """{"error":"no such order"}""");
        await using var services = CreateServices();
        var definition = Http(new { url = _api.Url("orders/{{ start.query }}"), jsonPath = "$.error", continueOnErrorStatus = true });

        // Act
        var result = await Harness().RunAsync(Step(services), definition);

        // Assert
        Assert.Equal(404, result.Outputs.Get<int>("status"));
        Assert.Equal("no such order", result.Outputs.GetString("value"));
        Assert.True(result.IsNotFound);
    }

    [Fact]
    public async Task ExecuteAsync_ServerHangs_StopsAfterTheTimeoutWithTheOneMessageAndLogsWhy()
    {
        // Arrange
        _api.Hang = true;
        await using var services = CreateServices();
        var definition = Http(new { url = _api.Url("slow"), timeoutSeconds = 1 });
        // A guard only: if the step's own timeout did not work, this cancels the call with a different exception.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Act
        var prepared = await Harness().PrepareAsync(Step(services), definition);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => prepared.ExecuteAsync(guard.Token).AsTask());

        // Assert
        Assert.Equal(HttpRequestSender.FailureMessage, error.Message);
        Assert.False(guard.IsCancellationRequested);
        Assert.Contains(_logs.Messages, m => m.Contains("no answer within 1 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecuteAsync_GetTimesOutWithARetry_EachAttemptHasItsOwnTimeout()
    {
        // Arrange
        _api.Hang = true;
        await using var services = CreateServices();

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Harness().RunAsync(Step(services), Http(new { url = _api.Url("slow"), timeoutSeconds = 1, retries = 1 })));

        // Assert
        Assert.Equal(HttpRequestSender.FailureMessage, error.Message);
        Assert.Equal(2, _api.Requests.Count);
        Assert.Contains(_logs.Messages, m => m.Contains("no answer within 1 s after 1 retry", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecuteAsync_RefusedTimedOutOrErrorStatus_SameMessageForAllWhileTheLogTellsThemApart()
    {
        // Arrange: a closed port, a server that never answers, and one that answers 500.
        await using var hanging = await FakeHttpApi.StartAsync();
        hanging.Hang = true;
        _api.FailNext(1, 500);
        await using var services = CreateServices();
        string[] urls = [$"http://127.0.0.1:{LlmTestHost.ClosedPort()}/internal", hanging.Url("internal"), _api.Url("internal")];

        // Act
        var messages = new List<string>();
        foreach (var url in urls)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Harness().RunAsync(Step(services), Http(new { url, timeoutSeconds = 1 })));
            messages.Add(error.Message);
        }

        // Assert
        Assert.All(messages, m => Assert.Equal(HttpRequestSender.FailureMessage, m));
        Assert.Contains(_logs.Messages, m => m.Contains("could not connect", StringComparison.Ordinal));
        Assert.Contains(_logs.Messages, m => m.Contains("no answer within 1 s", StringComparison.Ordinal));
        Assert.Contains(_logs.Messages, m => m.Contains("HTTP 500", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExecuteAsync_AnswerLargerThanTheLimit_RefusedWithAMessageSayingSo(bool chunked)
    {
        // Arrange: a 1 kB limit; the answer declares its length, or does not (chunked) and is cut off while reading.
        _api.Responder = _ => new FakeHttpResponse(200, new string('a', 1025), "text/plain") { Chunked = chunked };
        await using var services = CreateServices(extra: new() { ["HttpRequests:MaxResponseKilobytes"] = "1" });

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Harness().RunAsync(Step(services), Http(new { url = _api.Url("big"), retries = 2 })));

        // Assert
        Assert.StartsWith("The answer was larger than 1 kB, the most an HTTP request step reads.", error.Message, StringComparison.Ordinal);
        Assert.Single(_api.Requests);
        Assert.Contains(_logs.Messages, m => m.Contains("answered more than 1 kB", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecuteAsync_AnswerExactlyAtTheLimit_IsRead()
    {
        // Arrange
        _api.Responder = _ => new FakeHttpResponse(200, new string('a', 1024), "text/plain") { Chunked = true };
        await using var services = CreateServices(extra: new() { ["HttpRequests:MaxResponseKilobytes"] = "1" });

        // Act
        var result = await Harness().RunAsync(Step(services), Http(new { url = _api.Url("big") }));

        // Assert
        Assert.Equal(1024, result.Outputs.GetString("body")!.Length);
    }

    [Fact]
    public async Task PrepareAsync_HostNotOnAllowedHosts_RefusedBeforeAnyCall()
    {
        // Arrange
        await using var services = CreateServices(extra: new() { ["HttpRequests:AllowedHosts:0"] = "api.example.com", ["HttpRequests:AllowedHosts:1"] = "*.example.org" });

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Harness().RunAsync(Step(services), Http(new { url = _api.Url("orders") })));

        // Assert
        Assert.Equal($"The address {_api.Url("orders")} is not on the list of allowed hosts (HttpRequests:AllowedHosts); an administrator can add its host there.", error.Message);
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task PrepareAsync_OnlyLlmAllowedHostsSetAndHostNotOnIt_RefusedNamingThatList()
    {
        // Arrange: a deployment that limits outbound calls with Llm:AllowedHosts stays limited for HTTP request steps.
        await using var services = CreateServices(extra: new() { ["Llm:AllowedHosts:0"] = "localhost:11434" });

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Harness().RunAsync(Step(services), Http(new { url = _api.Url("orders") })));

        // Assert
        Assert.Contains("(Llm:AllowedHosts)", error.Message, StringComparison.Ordinal);
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task ExecuteAsync_HostOnHttpAllowedHosts_CallsEvenWhenLlmAllowedHostsDoesNotNameIt()
    {
        // Arrange
        await using var services = CreateServices(extra: new()
        {
            ["Llm:AllowedHosts:0"] = "localhost:11434",
            ["HttpRequests:AllowedHosts:0"] = "api.example.com",
            ["HttpRequests:AllowedHosts:1"] = $"127.0.0.1:{_api.Root.Port}",
        });

        // Act
        var result = await Harness().RunAsync(Step(services), Http(new { url = _api.Url("orders") }));

        // Assert
        Assert.Equal(200, result.Outputs.Get<int>("status"));
    }

    [Fact]
    public async Task AddWorkflowEngine_MalformedAllowedHost_RefusedAtStart()
    {
        // Arrange
        await using var services = CreateServices(extra: new() { ["HttpRequests:AllowedHosts:0"] = "https://api.example.com/" });

        // Act
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HttpRequestStepOptions>>().Value);

        // Assert
        Assert.Contains("HttpRequests:AllowedHosts holds 'https://api.example.com/'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_RedirectToAnotherHost_IsNotFollowed()
    {
        // Arrange: the API answers 302 to another local server, which must never be asked.
        await using var other = await FakeHttpApi.StartAsync();
        _api.Responder = _ => new FakeHttpResponse(302, "") { Location = other.Url("secret") };
        await using var services = CreateServices();

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Harness().RunAsync(Step(services), Http(new { url = _api.Url("moved") })));

        // Assert
        Assert.Equal(HttpRequestSender.FailureMessage, error.Message);
        Assert.Empty(other.Requests);
    }

    [Fact]
    public async Task ExecuteAsync_ReservedHeaderInSettings_NotSent()
    {
        // Arrange: Host would send the request to another site behind the same address.
        await using var services = CreateServices();
        var definition = Http(new { url = _api.Url("orders"), headers = new[] { new { name = "Host", value = "internal.example" }, new { name = "Accept", value = "application/json" } } });

        // Act
        await Harness().RunAsync(Step(services), definition);

        // Assert
        var request = Assert.Single(_api.Requests);
        Assert.Equal($"127.0.0.1:{_api.Root.Port}", request.Headers["Host"]);
        Assert.Equal("application/json", request.Headers["Accept"]);
    }

    [Fact]
    public async Task PrepareAsync_InputIdentity_HoldsMethodRenderedUrlHeadersAndBody()
    {
        // Arrange: what the cache hashes into the key.
        await using var services = CreateServices();
        var node = Step(services);
        async Task<object> IdentityAsync(object settings) => (await Harness().PrepareAsync(node, Http(settings))).InputIdentity!;
        var url = _api.Url("orders/{{ start.query }}");
        object[] identities =
        [
            await IdentityAsync(new { url, method = "POST", body = "a" }),
            await IdentityAsync(new { url, method = "PUT", body = "a" }),
            await IdentityAsync(new { url, method = "POST", body = "b" }),
            await IdentityAsync(new { url, method = "POST", body = "a", headers = new[] { new { name = "X-Key", value = "1" } } }),
            await IdentityAsync(new { url = _api.Url("other/{{ start.query }}"), method = "POST", body = "a" }),
        ];

        // Act
        var again = await IdentityAsync(new { url, method = "POST", body = "a" });

        // Assert
        Assert.Equal(CanonicalJson.Hash(identities[0]), CanonicalJson.Hash(again));
        Assert.Equal(identities.Length, identities.Select(CanonicalJson.Hash).Distinct().Count());
        Assert.Equal(_api.Url("orders/42"), ((HttpNode.Input)again).Url);
    }

    [Theory]
    [InlineData("""{"url":""}""", "The URL is empty")]
    [InlineData("""{"url":"ftp://files.example.com/a"}""", "must start with http:// or https://")]
    [InlineData("""{"url":"{{ start.query }}"}""", "must start with http:// or https://")]
    [InlineData("""{"url":"https://{{ start.query }}.example.com/"}""", "must start with http:// or https://")]
    [InlineData("""{"url":"https://api.example.com{{ start.query }}"}""", "must start with http:// or https://")]
    [InlineData("""{"url":"https://api.example.com:{{ start.query }}/"}""", "must start with http:// or https://")]
    [InlineData("""{"url":"https://user:secret@api.example.com/"}""", "without a user name or password")]
    [InlineData("""{"url":"https://api.example.com/","method":"FETCH"}""", "The method 'FETCH' is not one of GET, POST, PUT, PATCH, DELETE.")]
    [InlineData("""{"url":"https://api.example.com/","timeoutSeconds":0}""", "The timeout must be between 1 and 60 seconds.")]
    [InlineData("""{"url":"https://api.example.com/","timeoutSeconds":61}""", "The timeout must be between 1 and 60 seconds.")]
    [InlineData("""{"url":"https://api.example.com/","retries":4}""", "Retries must be between 0 and 3.")]
    [InlineData("""{"url":"https://api.example.com/","jsonPath":"$.items[*]"}""", "The JSON path is not valid")]
    [InlineData("""{"url":"https://api.example.com/","body":"{{ start.query "}""", "body: ")]
    [InlineData("""{"url":"https://api.example.com/","headers":[{"name":"Bad Name","value":"x"}]}""", "The header name 'Bad Name' is not valid")]
    [InlineData("""{"url":"https://api.example.com/","headers":[{"name":"host","value":"x"}]}""", "The header host cannot be set")]
    public async Task ValidateSettings_BadSettings_SayWhatIsWrong(string settings, string expected)
    {
        // Arrange
        await using var services = CreateServices();
        var definition = new NodeDefinition("http", NodeRegistry.KeyOf<HttpNode>(), "HTTP request", JsonDocument.Parse(settings).RootElement.Clone(), NodeCacheSettings.Disabled);

        // Act
        var problems = Step(services).ValidateSettings(definition).ToList();

        // Assert
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValidateSettings_GoodSettings_NoProblems()
    {
        // Arrange
        await using var services = CreateServices();
        var definition = Http(new { url = "https://api.example.com/orders/{{ start.query | url_encode }}", method = "patch", jsonPath = "$['full name'].x[2]", timeoutSeconds = 60, retries = 3 });

        // Act
        var problems = Step(services).ValidateSettings(definition);

        // Assert
        Assert.Empty(problems);
    }

    [Fact]
    public void Summarize_MethodAndUrl_ShownOnTheCard()
    {
        // Arrange
        var descriptor = new NodeRegistry(NodeRegistry.Discover()).Find(NodeRegistry.KeyOf<HttpNode>())!;

        // Act
        var summary = descriptor.Summarize(Http(new { method = "post", url = "https://api.example.com/orders" }));
        var empty = descriptor.Summarize(Http(new { }));

        // Assert
        Assert.Equal("POST https://api.example.com/orders", summary);
        Assert.Equal("No address yet", empty);
    }

    private ServiceProvider CreateServices(Dictionary<string, string?>? extra = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(_logs));
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(extra ?? []).Build());
        services.AddWorkflowEngine();
        return services.BuildServiceProvider();
    }

    private static Node Step(ServiceProvider services) => services.GetRequiredService<NodeFactory>().Get(NodeRegistry.KeyOf<HttpNode>());

    private static NodeHarness Harness() => new NodeHarness().With("start", new { query = "42" });

    private static NodeDefinition Http(object settings) => NodeHarness.Definition("http", NodeRegistry.KeyOf<HttpNode>(), settings);
}
