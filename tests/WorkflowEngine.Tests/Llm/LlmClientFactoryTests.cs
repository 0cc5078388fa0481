using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Options;
using WorkflowEngine.Llm;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Llm;

/// <summary>The factory's clients, options binding and validation, over real HTTP against the fake server.</summary>
public sealed class LlmClientFactoryTests
{
    [Fact]
    public async Task GetClient_DefaultProviderNonStreaming_ReturnsAnswerAndUsage()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Answer = "Our shop opens at nine.";
        await using var services = LlmTestHost.CreateServices(server);
        var factory = services.GetRequiredService<ILlmClientFactory>();

        // Act
        var response = await factory.GetClient(factory.Default).GetResponseAsync("When do you open?");

        // Assert
        Assert.Equal("Our shop opens at nine.", response.Text);
        Assert.Equal(5, response.Usage?.OutputTokenCount);
        var request = Assert.Single(server.ChatRequests);
        Assert.False(request.Stream);
        Assert.Equal(server.Model, request.Model);
        Assert.Equal(server.ApiKey, request.ApiKey);
    }

    [Fact]
    public async Task GetClient_MoreEndpointsThanCachedClients_KeepsTheMostRecentlyUsed()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        await using var services = LlmTestHost.CreateServices(server, o => o.MaxCachedClients = 2);
        var factory = (LlmClientFactory)services.GetRequiredService<ILlmClientFactory>();
        var endpoints = new[] { "a", "b", "c" }.Select(model => factory.Resolve(null, null, model)).ToList();
        var first = factory.GetClient(endpoints[0]);

        // Act
        factory.GetClient(endpoints[1]);
        var third = factory.GetClient(endpoints[2]);
        var count = factory.CachedClientCount;

        // Assert
        Assert.Equal(2, count);
        Assert.Same(third, factory.GetClient(endpoints[2]));
        Assert.NotSame(first, factory.GetClient(endpoints[0])); // dropped, so built again
    }

    [Fact]
    public void Options_BaseUrlOutsideAllowedHosts_RefusedAtStart()
    {
        // Arrange
        using var services = LlmTestHost.CreateServices(null, extra: new Dictionary<string, string?>
        {
            ["Llm:BaseUrl"] = "http://10.0.0.9:8000/v1",
            ["Llm:Model"] = "m",
            ["Llm:AllowedHosts:0"] = "api.openai.com",
            ["Llm:AllowedHosts:1"] = "*.internal..bad",
        });

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<LlmOptions>>().Value);

        // Assert
        Assert.Contains(error.Failures, f => f.Contains("Llm:BaseUrl (http://10.0.0.9:8000/v1) is not on Llm:AllowedHosts", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("'*.internal..bad'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetClient_NonStreamingAfterTwo503_RetriesAndAnswers()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Answer = "ok";
        server.FailNext(2, 503);
        await using var services = LlmTestHost.CreateServices(server, o => o.MaxRetries = 2);
        var factory = services.GetRequiredService<ILlmClientFactory>();

        // Act
        var response = await factory.GetClient(factory.Default).GetResponseAsync("hi");

        // Assert
        Assert.Equal("ok", response.Text);
        Assert.Equal(3, server.ChatCallCount);
    }

    [Fact]
    public async Task GetClient_FakeClockRegisteredAndOneFailure_RetriesOnTheWallClock()
    {
        // Arrange: the retry back-off must not wait on a registered clock that nobody advances.
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Answer = "ok";
        server.FailNext(1, 503);
        await using var services = FakeClockServices(server, retries: 1, retryDelayMilliseconds: 50);
        var factory = services.GetRequiredService<ILlmClientFactory>();

        // Act: bounded, so a regression fails instead of hanging the run.
        var response = await factory.GetClient(factory.Default).GetResponseAsync("hi").WaitAsync(TimeSpan.FromSeconds(30));

        // Assert
        Assert.Equal("ok", response.Text);
        Assert.Equal(2, server.ChatCallCount);
    }

    [Fact]
    public async Task DisposeAsync_FakeClockRegisteredAndACallInFlight_WaitsOnTheWallClockAndEnds()
    {
        // Arrange: the resilience registry waits for in-flight calls when the app shuts down, polling on the pipeline's clock.
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Hang = true;
        var services = FakeClockServices(server, retries: 0, retryDelayMilliseconds: 1);
        var factory = services.GetRequiredService<ILlmClientFactory>();
        using var stop = new CancellationTokenSource();
        var call = factory.GetClient(factory.Default).GetResponseAsync("hi", cancellationToken: stop.Token);
        await Eventually.WaitUntilAsync(() => Task.FromResult(server.ChatCallCount > 0), TimeSpan.FromSeconds(30), "the call to reach the server");

        // Act: shut down while the call is pending, then let the call end.
        var disposal = services.DisposeAsync().AsTask();
        await Task.Delay(100);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        // Assert: bounded, so a regression fails instead of hanging the run.
        await disposal.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(disposal.IsCompletedSuccessfully);
    }

    private static ServiceProvider FakeClockServices(FakeOpenAiServer server, int retries, int retryDelayMilliseconds)
    {
        var collection = new ServiceCollection();
        // An app (or a test) that registers a clock nobody advances.
        collection.AddSingleton<TimeProvider>(new FakeTimeProvider());
        collection.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Llm:BaseUrl"] = server.BaseUrl,
            ["Llm:ApiKey"] = server.ApiKey,
            ["Llm:Model"] = server.Model,
            ["Llm:MaxRetries"] = retries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Llm:RetryDelayMilliseconds"] = retryDelayMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build());
        collection.AddEngineLlm();
        return collection.BuildServiceProvider();
    }

    [Fact]
    public async Task GetClient_MaxRetriesZero_CallsOnce()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.FailAlways(500);
        await using var services = LlmTestHost.CreateServices(server, o => o.MaxRetries = 0);
        var factory = services.GetRequiredService<ILlmClientFactory>();

        // Act
        await Assert.ThrowsAnyAsync<Exception>(() => factory.GetClient(factory.Default).GetResponseAsync("hi"));

        // Assert
        Assert.Equal(1, server.ChatCallCount);
    }

    [Fact]
    public async Task GetClient_SameEndpoint_ReturnsCachedClient()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        await using var services = LlmTestHost.CreateServices(server);
        var factory = services.GetRequiredService<ILlmClientFactory>();

        // Act
        var first = factory.GetClient(factory.Resolve(null, null, null));
        var second = factory.GetClient(factory.Resolve("", "", server.Model));
        var otherModel = factory.GetClient(factory.Resolve(null, null, "another-model"));
        var otherKey = factory.GetClient(factory.Resolve(null, "sk-other", null));

        // Assert
        Assert.Same(first, second);
        Assert.NotSame(first, otherModel);
        Assert.NotSame(first, otherKey);
    }

    [Fact]
    public async Task GetClient_NothingConfigured_ReturnsOfflineResponder()
    {
        // Arrange
        await using var services = LlmTestHost.CreateServices(null);
        var factory = services.GetRequiredService<ILlmClientFactory>();

        // Act
        var client = factory.GetClient(factory.Default);

        // Assert
        Assert.True(factory.Default.IsOffline);
        Assert.IsType<OfflineResponder>(client);
    }

    [Fact]
    public async Task GetClient_NodeUrlWithoutAnyModel_ThrowsPlainError()
    {
        // Arrange
        await using var services = LlmTestHost.CreateServices(null);
        var factory = services.GetRequiredService<ILlmClientFactory>();

        // Act
        var error = Assert.Throws<LlmException>(() => factory.GetClient(factory.Resolve("http://localhost:11434/v1", null, null)));

        // Assert
        Assert.Equal("No language model is set: give the llm node a model, or configure Llm:Model.", error.Message);
    }

    [Fact]
    public async Task Options_BoundFromConfiguration_HaveValuesAndDefaults()
    {
        // Arrange
        await using var services = LlmTestHost.CreateServices(null, extra: new Dictionary<string, string?>
        {
            ["Llm:BaseUrl"] = "http://localhost:11434/v1",
            ["Llm:Model"] = "qwen2.5:7b",
        });

        // Act
        var options = services.GetRequiredService<IOptions<LlmOptions>>().Value;

        // Assert
        Assert.Equal("http://localhost:11434/v1", options.BaseUrl);
        Assert.Equal("qwen2.5:7b", options.Model);
        Assert.Null(options.ApiKey);
        Assert.Equal(60, options.TimeoutSeconds);
        Assert.Equal(2, options.MaxRetries);
        Assert.True(options.IsConfigured);
    }

    [Fact]
    public async Task Options_BaseUrlWithoutModel_FailValidationWithPlainMessage()
    {
        // Arrange
        await using var services = LlmTestHost.CreateServices(null, extra: new Dictionary<string, string?> { ["Llm:BaseUrl"] = "http://localhost:11434/v1" });

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<LlmOptions>>().Value);

        // Assert
        Assert.Contains("Llm:Model is required when Llm:BaseUrl is set", error.Message);
    }

    [Fact]
    public async Task Options_ZeroTimeout_FailsValidation()
    {
        // Arrange
        await using var services = LlmTestHost.CreateServices(null, extra: new Dictionary<string, string?> { ["Llm:TimeoutSeconds"] = "0" });

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<LlmOptions>>().Value);

        // Assert
        Assert.Contains(error.Failures, f => f.Contains("TimeoutSeconds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Options_RelativeBaseUrl_FailsValidationWithExample()
    {
        // Arrange
        await using var services = LlmTestHost.CreateServices(null, extra: new Dictionary<string, string?> { ["Llm:BaseUrl"] = "localhost/v1", ["Llm:Model"] = "m" });

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<LlmOptions>>().Value);

        // Assert
        Assert.Contains("Llm:BaseUrl must be an absolute http or https URL", error.Message);
    }

    [Fact]
    public void Resolve_NodeBaseUrlWithoutKey_DoesNotSendDefaultKey()
    {
        // Arrange
        var defaults = new LlmOptions { BaseUrl = "https://api.example.com/v1", ApiKey = "sk-default", Model = "default-model" };

        // Act
        var endpoint = LlmEndpoint.Resolve(defaults, "http://localhost:11434/v1", null, null);

        // Assert
        Assert.Equal(new LlmEndpoint("http://localhost:11434/v1", null, "default-model"), endpoint);
    }

    [Fact]
    public void ToString_EndpointWithKey_NeverShowsTheKey()
    {
        // Arrange
        var endpoint = new LlmEndpoint("https://user:pw@api.example.com/v1", "sk-very-secret", "gpt-4o-mini");

        // Act
        var text = $"{endpoint} {endpoint.Description}";

        // Assert
        Assert.DoesNotContain("sk-very-secret", text);
        Assert.DoesNotContain("pw@", text);
        Assert.Contains("api.example.com/v1 · gpt-4o-mini", text);
    }
}
