using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Execution;
using WorkflowEngine.Llm;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowEngine.Tests.Llm;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Nodes.Types;

/// <summary>The llm node against the fake OpenAI-compatible server over real HTTP, through the real resilient client.</summary>
public sealed class LlmNodeTests
{
    private static readonly (string, string, object)[] TemplateUpstream =
        [("template", "template", new { text = "Context: refunds take 5 days.\nQuestion: How long does a refund take?" })];

    [Fact]
    public async Task ExecuteAsync_ConfiguredProvider_StreamsTokensInOrderAndCapturesUsage()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Answer = "Refunds are paid within five working days.";
        await using var services = LlmTestHost.CreateServices(server);
        var tokens = new List<string>();
        var context = LlmTestHost.CreateContext(new LlmNode.Config { SystemPrompt = "You are the shop's assistant." }, upstream: TemplateUpstream, tokens: tokens);

        // Act
        var result = await LlmTestHost.RunAsync(services, context);

        // Assert
        Assert.Equal(FakeOpenAiServer.SplitIntoTokens("Refunds are paid within five working days."), tokens);
        Assert.Equal("Refunds are paid within five working days.", result.Outputs.GetString("text"));
        Assert.Equal("Refunds are paid within five working days.", result.StreamedText);
        Assert.Equal(tokens.Count, result.Usage?.OutputTokens);
        Assert.True(result.Usage?.InputTokens > 0);
        Assert.Equal(result.Usage!.InputTokens, result.Outputs.Get<long>("inputTokens"));
        Assert.Equal(result.Usage.OutputTokens, result.Outputs.Get<long>("outputTokens"));
        Assert.False(result.Outputs.Get<bool>("offline"));
        var request = Assert.Single(server.ChatRequests);
        Assert.True(request.Stream);
        Assert.True(request.IncludeUsage);
        Assert.Equal("You are the shop's assistant.", request.SystemMessage);
        Assert.Equal("Context: refunds take 5 days.\nQuestion: How long does a refund take?", request.LastUserMessage);
    }

    [Fact]
    public async Task ExecuteAsync_Settings_SendsModelTemperatureAndMaxTokens()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        await using var services = LlmTestHost.CreateServices(server);
        var context = LlmTestHost.CreateContext(new LlmNode.Config { Model = "node-model", Temperature = 0.7, MaxTokens = 99 }, upstream: TemplateUpstream);

        // Act
        await LlmTestHost.RunAsync(services, context);

        // Assert
        var request = Assert.Single(server.ChatRequests);
        Assert.Equal("node-model", request.Model);
        Assert.Equal(0.7, request.Temperature!.Value, 3);
        Assert.Equal(99, request.MaxTokens);
        using var body = System.Text.Json.JsonDocument.Parse(request.RawJson);
        Assert.Equal(99, body.RootElement.GetProperty("max_completion_tokens").GetInt32());
        // Ollama and LM Studio read only the older name.
        Assert.Equal(99, body.RootElement.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public async Task ExecuteAsync_HistoryTurns_SendsLastTurnsBetweenSystemAndPrompt()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        await using var services = LlmTestHost.CreateServices(server);
        var request = new RunRequest("wf", "And to Austria?")
        {
            History =
            [
                new ChatTurn(ChatTurn.User, "Hello"),
                new ChatTurn(ChatTurn.Assistant, "Hi! How can I help?"),
                new ChatTurn(ChatTurn.User, "Do you ship to Germany?"),
                new ChatTurn(ChatTurn.Assistant, "Yes, in 3 days."),
            ],
        };
        var context = LlmTestHost.CreateContext(
            new LlmNode.Config { SystemPrompt = "Be brief.", Prompt = "{{ start.query }}", HistoryTurns = 2 },
            request,
            upstream: [("start", "start", new { query = "And to Austria?" })]);

        // Act
        await LlmTestHost.RunAsync(services, context);

        // Assert
        var sent = Assert.Single(server.ChatRequests).Messages.Select(m => (m.Role, m.Content)).ToList();
        Assert.Equal(
            [("system", "Be brief."), ("user", "Do you ship to Germany?"), ("assistant", "Yes, in 3 days."), ("user", "And to Austria?")],
            sent);
    }

    [Fact]
    public async Task ExecuteAsync_HistoryTurnsZero_SendsNoHistory()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        await using var services = LlmTestHost.CreateServices(server);
        var request = new RunRequest("wf", "Next?") { History = [new ChatTurn(ChatTurn.User, "Earlier"), new ChatTurn(ChatTurn.Assistant, "Answer")] };
        var context = LlmTestHost.CreateContext(new LlmNode.Config { HistoryTurns = 0 }, request, TemplateUpstream);

        // Act
        await LlmTestHost.RunAsync(services, context);

        // Assert
        var message = Assert.Single(Assert.Single(server.ChatRequests).Messages);
        Assert.Equal("user", message.Role);
    }

    [Fact]
    public async Task ExecuteAsync_ServerFailsOnceWith500_RetriesAndAnswers()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Answer = "Recovered answer.";
        server.FailNext(1, 500);
        await using var services = LlmTestHost.CreateServices(server);
        var context = LlmTestHost.CreateContext(new LlmNode.Config(), upstream: TemplateUpstream);

        // Act
        var result = await LlmTestHost.RunAsync(services, context);

        // Assert
        Assert.Equal("Recovered answer.", result.Outputs.GetString("text"));
        Assert.Equal(2, server.ChatCallCount);
    }

    [Fact]
    public async Task ExecuteAsync_ServerAlwaysFailsWith500_ThrowsTheOneFailureMessageAfterRetries()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.FailAlways(500);
        await using var services = LlmTestHost.CreateServices(server, o => o.MaxRetries = 2);
        var context = LlmTestHost.CreateContext(new LlmNode.Config(), upstream: TemplateUpstream);

        // Act
        var error = await Assert.ThrowsAsync<LlmException>(() => LlmTestHost.RunAsync(services, context));

        // Assert
        Assert.Equal(LlmFailures.Message, error.Message);
        Assert.Equal(3, server.ChatCallCount);
        Assert.DoesNotContain(server.ApiKey, error.Message);
    }

    [Fact]
    public async Task ExecuteAsync_ServerHangs_ThrowsTheOneFailureMessage()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Hang = true;
        await using var services = LlmTestHost.CreateServices(server, o => o.TimeoutSeconds = 1);
        var context = LlmTestHost.CreateContext(new LlmNode.Config(), upstream: TemplateUpstream);
        // A guard only: if the node's own timeout did not work, this cancels the test with a different exception.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Act
        var error = await Assert.ThrowsAsync<LlmException>(() => LlmTestHost.RunAsync(services, context, guard.Token));

        // Assert
        Assert.Equal(LlmFailures.Message, error.Message);
        Assert.False(guard.IsCancellationRequested);
        Assert.Equal(1, server.ChatCallCount);
    }

    [Fact]
    public async Task ExecuteAsync_ServerStallsMidStream_ThrowsTheOneFailureMessage()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Answer = "one two three";
        server.TokenDelay = TimeSpan.FromMinutes(5);
        await using var services = LlmTestHost.CreateServices(server, o => o.TimeoutSeconds = 1);
        var context = LlmTestHost.CreateContext(new LlmNode.Config(), upstream: TemplateUpstream);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Act
        var error = await Assert.ThrowsAsync<LlmException>(() => LlmTestHost.RunAsync(services, context, guard.Token));

        // Assert
        Assert.Equal(LlmFailures.Message, error.Message);
        Assert.False(guard.IsCancellationRequested);
    }

    [Fact]
    public async Task ExecuteAsync_CallerCancels_ThrowsOperationCanceled()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Hang = true;
        await using var services = LlmTestHost.CreateServices(server);
        var context = LlmTestHost.CreateContext(new LlmNode.Config(), upstream: TemplateUpstream);
        using var cancel = new CancellationTokenSource();
        var run = LlmTestHost.RunAsync(services, context, cancel.Token);
        await Eventually.WaitUntilAsync(() => Task.FromResult(server.ChatCallCount == 1), TimeSpan.FromSeconds(30), "the model to be called");

        // Act
        await cancel.CancelAsync();

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task ExecuteAsync_ServiceUnreachable_ThrowsTheOneFailureMessage()
    {
        // Arrange
        var port = LlmTestHost.ClosedPort();
        await using var services = LlmTestHost.CreateServices(null, o => o.MaxRetries = 1);
        var context = LlmTestHost.CreateContext(
            new LlmNode.Config { BaseUrl = $"http://127.0.0.1:{port}/v1", Model = "m", ApiKey = "sk-secret-unreachable" },
            upstream: TemplateUpstream);

        // Act
        var error = await Assert.ThrowsAsync<LlmException>(() => LlmTestHost.RunAsync(services, context));

        // Assert
        Assert.Equal(LlmFailures.Message, error.Message);
        Assert.DoesNotContain("sk-secret-unreachable", error.Message);
    }

    [Fact]
    public async Task ExecuteAsync_KeyRejected_ThrowsTheOneFailureMessageWithoutTheKey()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.RequiredApiKey = "sk-the-right-key";
        await using var services = LlmTestHost.CreateServices(server);
        var context = LlmTestHost.CreateContext(new LlmNode.Config(), upstream: TemplateUpstream);

        // Act
        var error = await Assert.ThrowsAsync<LlmException>(() => LlmTestHost.RunAsync(services, context));

        // Assert
        Assert.Equal(LlmFailures.Message, error.Message);
        Assert.DoesNotContain(server.ApiKey, error.Message);
        Assert.DoesNotContain(server.ApiKey, error.ToString());
        Assert.Equal(1, server.ChatCallCount);
    }

    [Fact]
    public async Task ExecuteAsync_RefusedTimedOutOrHttpError_SameMessageForAllWhileTheLogTellsThemApart()
    {
        // Arrange: a closed port (nothing answers), a server that answers 403, and one that never answers.
        await using var forbidding = await FakeOpenAiServer.StartAsync();
        forbidding.FailAlways(403);
        await using var hanging = await FakeOpenAiServer.StartAsync();
        hanging.Hang = true;
        var logs = new CapturingLoggerProvider();
        await using var services = LlmTestHost.CreateServices(null, o => (o.TimeoutSeconds, o.MaxRetries) = (1, 0), logs: logs);
        string[] urls = [$"http://127.0.0.1:{LlmTestHost.ClosedPort()}/v1", forbidding.BaseUrl, hanging.BaseUrl];

        // Act
        var messages = new List<string>();
        foreach (var url in urls)
        {
            var context = LlmTestHost.CreateContext(new LlmNode.Config { BaseUrl = url, Model = "m" }, upstream: TemplateUpstream);
            messages.Add((await Assert.ThrowsAsync<LlmException>(() => LlmTestHost.RunAsync(services, context))).Message);
        }

        // Assert
        Assert.All(messages, m => Assert.Equal(LlmFailures.Message, m));
        Assert.Contains(logs.Messages, m => m.Contains("could not connect", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Contains("HTTP 403", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Contains("no answer within 1 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecuteAsync_HostNotOnAllowedHosts_RefusedBeforeAnyCall()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        await using var services = LlmTestHost.CreateServices(null, o => o.AllowedHosts = ["*.example.com", "localhost:11434"]);
        var context = LlmTestHost.CreateContext(new LlmNode.Config { BaseUrl = server.BaseUrl, Model = "m" }, upstream: TemplateUpstream);

        // Act
        var error = await Assert.ThrowsAsync<LlmException>(() => LlmTestHost.RunAsync(services, context));

        // Assert
        Assert.Contains("not on the list of allowed hosts (Llm:AllowedHosts)", error.Message);
        Assert.Equal(0, server.ChatCallCount);
    }

    [Fact]
    public async Task ExecuteAsync_HostOnAllowedHosts_Answers()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Answer = "Allowed.";
        await using var services = LlmTestHost.CreateServices(null, o => o.AllowedHosts = ["*.example.com", $"127.0.0.1:{server.Root.Port}"]);
        var context = LlmTestHost.CreateContext(new LlmNode.Config { BaseUrl = server.BaseUrl, Model = "m" }, upstream: TemplateUpstream);

        // Act
        var result = await LlmTestHost.RunAsync(services, context);

        // Assert
        Assert.Equal("Allowed.", result.Outputs.GetString("text"));
    }

    [Fact]
    public async Task ExecuteAsync_NodeProviderSettings_OverrideDefaultAndKeepDefaultKeyAtHome()
    {
        // Arrange
        await using var defaultServer = await FakeOpenAiServer.StartAsync();
        await using var nodeServer = await FakeOpenAiServer.StartAsync();
        nodeServer.Answer = "From the node's own provider.";
        await using var services = LlmTestHost.CreateServices(defaultServer);
        var context = LlmTestHost.CreateContext(new LlmNode.Config { BaseUrl = nodeServer.BaseUrl, Model = "node-model" }, upstream: TemplateUpstream);

        // Act
        var result = await LlmTestHost.RunAsync(services, context);

        // Assert
        Assert.Equal("From the node's own provider.", result.Outputs.GetString("text"));
        Assert.Equal(0, defaultServer.ChatCallCount);
        var request = Assert.Single(nodeServer.ChatRequests);
        Assert.Equal("node-model", request.Model);
        Assert.NotEqual(defaultServer.ApiKey, request.ApiKey);
    }

    [Fact]
    public async Task ExecuteAsync_NamedProvider_SendsItsKeyAndModelToItsUrl()
    {
        // Arrange
        await using var defaultServer = await FakeOpenAiServer.StartAsync();
        await using var providerServer = await FakeOpenAiServer.StartAsync();
        providerServer.RequiredApiKey = "sk-provider-key-0123456789";
        providerServer.Answer = "From the named provider.";
        var providers = new LlmTestHost.ProviderList(new LlmProviderSettings("p1", "Team OpenAI", providerServer.BaseUrl, "sk-provider-key-0123456789", "provider-model"));
        await using var services = LlmTestHost.CreateServices(defaultServer, providers: providers);
        var context = LlmTestHost.CreateContext(new LlmNode.Config { Provider = "p1", BaseUrl = "http://ignored.invalid/v1" }, upstream: TemplateUpstream);

        // Act
        var result = await LlmTestHost.RunAsync(services, context);

        // Assert
        Assert.Equal("From the named provider.", result.Outputs.GetString("text"));
        Assert.Equal(0, defaultServer.ChatCallCount);
        var request = Assert.Single(providerServer.ChatRequests);
        Assert.Equal("provider-model", request.Model);
        Assert.Equal("sk-provider-key-0123456789", request.ApiKey);
    }

    [Fact]
    public async Task ExecuteAsync_NamedProviderWithNodeModel_UsesTheNodeModel()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        var providers = new LlmTestHost.ProviderList(new LlmProviderSettings("p1", "Local", server.BaseUrl, null, "provider-model"));
        await using var services = LlmTestHost.CreateServices(null, providers: providers);
        var context = LlmTestHost.CreateContext(new LlmNode.Config { Provider = "p1", Model = "node-model" }, upstream: TemplateUpstream);

        // Act
        await LlmTestHost.RunAsync(services, context);

        // Assert
        Assert.Equal("node-model", Assert.Single(server.ChatRequests).Model);
    }

    [Theory]
    [InlineData("gone", "no longer exists")]
    [InlineData("unreadable", "can no longer be decrypted")]
    public async Task Prepare_ProviderMissingOrKeyUnreadable_FailsWithAPlainMessage(string providerId, string expected)
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        var providers = new LlmTestHost.ProviderList(new LlmProviderSettings("unreadable", "Old key ring", server.BaseUrl, null, "m", KeyUnreadable: true));
        await using var services = LlmTestHost.CreateServices(server, providers: providers);
        var context = LlmTestHost.CreateContext(new LlmNode.Config { Provider = providerId }, upstream: TemplateUpstream);

        // Act
        var error = await Assert.ThrowsAsync<LlmException>(() => LlmTestHost.RunAsync(services, context));

        // Assert
        Assert.Contains(expected, error.Message);
        Assert.Equal(0, server.ChatCallCount);
    }

    [Fact]
    public async Task ExecuteAsync_NodeKeyAndModelOnly_UseDefaultUrlWithNodeValues()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        await using var services = LlmTestHost.CreateServices(server);
        var context = LlmTestHost.CreateContext(new LlmNode.Config { ApiKey = "sk-node-key", Model = "other-model" }, upstream: TemplateUpstream);

        // Act
        await LlmTestHost.RunAsync(services, context);

        // Assert
        var request = Assert.Single(server.ChatRequests);
        Assert.Equal("sk-node-key", request.ApiKey);
        Assert.Equal("other-model", request.Model);
    }

    [Fact]
    public async Task ExecuteAsync_NoProviderConfigured_AnswersOfflineFromTopChunkWordByWord()
    {
        // Arrange
        await using var services = LlmTestHost.CreateServices(null);
        var tokens = new List<string>();
        var chunks = new[]
        {
            new
            {
                documentName = "Returns and refunds",
                heading = "Refunds",
                text = "Returns are accepted within 30 days of delivery. Refunds are paid to your original payment method within 5 working days after the parcel arrives. Shipping costs are not refunded.",
                score = 0.9,
            },
            new { documentName = "Delivery", heading = "Times", text = "Parcels take 2 to 4 working days to arrive.", score = 0.4 },
        };
        var context = LlmTestHost.CreateContext(
            new LlmNode.Config(),
            new RunRequest("wf", "How long does my refund take?"),
            [
                ("clean", "clean", new { text = "how long does my refund take" }),
                ("retrieve", "retrieve", new { context = "joined", chunks, found = true }),
                ("template", "template", new { text = "prompt text" }),
            ],
            tokens);

        // Act
        var result = await LlmTestHost.RunAsync(services, context);

        // Assert
        var text = result.Outputs.GetString("text")!;
        Assert.True(result.Outputs.Get<bool>("offline"));
        Assert.StartsWith(OfflineResponder.Label, text);
        Assert.Contains("Refunds are paid to your original payment method within 5 working days after the parcel arrives.", text);
        Assert.DoesNotContain("Parcels take", text);
        Assert.EndsWith("(Source: Returns and refunds)", text);
        Assert.True(tokens.Count > 10);
        Assert.Equal(text, string.Concat(tokens));
        Assert.Null(result.Usage);
        Assert.Equal(0, result.Outputs.Get<long>("outputTokens"));
    }

    [Fact]
    public async Task ExecuteAsync_OfflineWithoutRetrievedContext_SaysItHasNoInformation()
    {
        // Arrange
        await using var services = LlmTestHost.CreateServices(null);
        var context = LlmTestHost.CreateContext(
            new LlmNode.Config(),
            upstream: [("retrieve", "retrieve", new { context = "", chunks = Array.Empty<object>(), found = false }), ("template", "template", new { text = "x" })]);

        // Act
        var result = await LlmTestHost.RunAsync(services, context);

        // Assert
        Assert.Equal(OfflineResponder.Label + OfflineResponder.NoInformation, result.Outputs.GetString("text"));
        Assert.True(result.Outputs.Get<bool>("offline"));
    }

    [Fact]
    public async Task Prepare_InputIdentity_HoldsRenderedPromptsHistoryAndProviderButNoKey()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        await using var services = LlmTestHost.CreateServices(server);
        var node = services.GetRequiredService<LlmNode>();
        var request = new RunRequest("wf", "q") { History = [new ChatTurn(ChatTurn.User, "a"), new ChatTurn(ChatTurn.Assistant, "b"), new ChatTurn(ChatTurn.User, "c")] };
        var config = new LlmNode.Config { SystemPrompt = "Shop: {{ start.query }}", Prompt = "Q: {{ template.text }}", HistoryTurns = 2 };
        var context = LlmTestHost.CreateContext(config, request, [("start", "start", new { query = "q" }), ("template", "template", new { text = "hello" })]);

        // Act
        var input = Assert.IsType<LlmNode.Input>(node.Prepare(context).InputIdentity);

        // Assert
        Assert.Equal("Shop: q", input.SystemPrompt);
        Assert.Equal("Q: hello", input.Prompt);
        Assert.Equal(["b", "c"], input.History.Select(t => t.Text));
        Assert.Contains(server.BaseUrl.TrimEnd('/'), input.Provider);
        Assert.Contains(server.Model, input.Provider);
        Assert.DoesNotContain(server.ApiKey, System.Text.Json.JsonSerializer.Serialize(input));
        Assert.Null(input.Offline);
    }

    [Fact]
    public async Task Prepare_DifferentHistory_GivesDifferentIdentity()
    {
        // Arrange
        await using var services = LlmTestHost.CreateServices(null);
        var node = services.GetRequiredService<LlmNode>();
        var first = new RunRequest("wf", "q") { History = [new ChatTurn(ChatTurn.User, "about refunds")] };
        var second = new RunRequest("wf", "q") { History = [new ChatTurn(ChatTurn.User, "about delivery")] };

        // Act
        var a = node.Prepare(LlmTestHost.CreateContext(new LlmNode.Config(), first, TemplateUpstream)).InputIdentity;
        var b = node.Prepare(LlmTestHost.CreateContext(new LlmNode.Config(), second, TemplateUpstream)).InputIdentity;

        // Assert
        Assert.NotEqual(System.Text.Json.JsonSerializer.Serialize(a), System.Text.Json.JsonSerializer.Serialize(b));
    }

    [Fact]
    public void ValidateSettings_BadValues_ReportsEachProblem()
    {
        // Arrange
        using var services = LlmTestHost.CreateServices(null);
        var node = services.GetRequiredService<LlmNode>();
        var config = new LlmNode.Config { Temperature = 3, MaxTokens = 0, HistoryTurns = -1, Prompt = "{{ template.text ", BaseUrl = "localhost:11434" };
        var definition = LlmTestHost.CreateContext(config).Node;

        // Act
        var problems = node.ValidateSettings(definition).ToList();

        // Assert
        Assert.Contains(problems, p => p.StartsWith("Temperature", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Max tokens", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("History turns", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Prompt: The template has a syntax error", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("The base URL", StringComparison.Ordinal));
    }

    [Fact]
    public void GetReferences_Prompts_ListsTemplateVariables()
    {
        // Arrange
        using var services = LlmTestHost.CreateServices(null);
        var node = services.GetRequiredService<LlmNode>();
        var definition = LlmTestHost.CreateContext(new LlmNode.Config { SystemPrompt = "{{ retrieve.context }}", Prompt = "{{ start.query }}" }).Node;

        // Act
        var references = node.GetReferences(definition).ToList();

        // Assert
        Assert.Equal(
            [new VariableReference("retrieve", "context", "systemPrompt"), new VariableReference("start", "query", "prompt")],
            references);
    }

    [Fact]
    public void ReadConfig_EmptySettings_UsesAgreedDefaults()
    {
        // Arrange
        using var services = LlmTestHost.CreateServices(null);
        var node = services.GetRequiredService<LlmNode>();
        var definition = new WorkflowEngine.Graphs.NodeDefinition("llm", "llm", "LLM", WorkflowEngine.Graphs.NodeDefinition.EmptySettings,
            WorkflowEngine.Graphs.NodeCacheSettings.Disabled);

        // Act
        var config = Assert.IsType<LlmNode.Config>(node.ReadConfig(definition));

        // Assert
        Assert.Equal(new LlmNode.Config { Model = "", BaseUrl = "", ApiKey = "", Temperature = 0.2, MaxTokens = 512, SystemPrompt = "", Prompt = "{{ template.text }}", HistoryTurns = 5 }, config);
    }
}
