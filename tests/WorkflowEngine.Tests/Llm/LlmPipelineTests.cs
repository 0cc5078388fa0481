using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Llm;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Llm;

/// <summary>The sample bot's answering path (start → clean → retrieve → template → llm → answer) through the real runner,
/// with the fake model over HTTP or the offline responder.</summary>
public sealed class LlmPipelineTests
{
    private const string KnowledgeBaseId = "kb-shop";

    [Fact]
    public async Task RunToCompletionAsync_FakeModel_StreamsTheModelsAnswerBuiltFromRetrievedContext()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Answer = "Card refunds usually take 5 to 7 working days.";
        await using var services = CreateEngine(server);
        var tokens = new List<string>();
        NodeSucceeded? llmSucceeded = null;

        // Act
        var result = await services.GetRequiredService<WorkflowRunner>().RunToCompletionAsync(AnsweringPath(), new RunRequest("wf", "How long does a refund take?"), e =>
        {
            switch (e)
            {
                case TokenStreamed { NodeId: "llm" } t:
                    tokens.Add(t.Text);
                    break;
                case NodeSucceeded { NodeId: "llm" } s:
                    llmSucceeded = s;
                    break;
            }
            return ValueTask.CompletedTask;
        });

        // Assert
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal("Card refunds usually take 5 to 7 working days.", result.Answer);
        Assert.Equal(FakeOpenAiServer.SplitIntoTokens(result.Answer!), tokens);
        Assert.Equal(tokens.Count, llmSucceeded?.Tokens?.OutputTokens);
        var prompt = Assert.Single(server.ChatRequests).LastUserMessage!;
        Assert.Contains("card refunds usually appear within 5 to 7 working days", prompt);
        Assert.Contains("Question: How long does a refund take?", prompt);
    }

    [Fact]
    public async Task RunToCompletionAsync_NoModelConfigured_AnswersOfflineFromTheKnowledgeBase()
    {
        // Arrange
        await using var services = CreateEngine(null);

        // Act
        var result = await services.GetRequiredService<WorkflowRunner>().RunToCompletionAsync(AnsweringPath(), new RunRequest("wf", "How long does a refund take?"));

        // Assert
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.StartsWith(OfflineResponder.Label, result.Answer);
        Assert.Contains("card refunds usually appear within 5 to 7 working days", result.Answer);
        Assert.True(result.Outputs["llm"].Get<bool>("offline"));
    }

    [Fact]
    public async Task RunToCompletionAsync_ModelAlwaysFails_RunFailsWithPlainMessage()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.FailAlways(502);
        await using var services = CreateEngine(server);

        // Act
        var result = await services.GetRequiredService<WorkflowRunner>().RunToCompletionAsync(AnsweringPath(), new RunRequest("wf", "How long does a refund take?"));

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("llm", result.FailedNodeId);
        Assert.Contains(LlmFailures.Message, result.Error);
        Assert.DoesNotContain(" at ", result.Error!.Replace(" at http", "", StringComparison.Ordinal));
        Assert.DoesNotContain(server.ApiKey, result.Error);
    }

    private static ServiceProvider CreateEngine(FakeOpenAiServer? server)
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
        services.AddEngineExecution();
        services.AddEngineLlm();
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetRequiredService<SimpleKeywordSearch>().SetChunks(KnowledgeBaseId,
        [
            new KnowledgeChunk("refunds", "Refunds", "Refunds",
                "Your money always goes back to the payment method you used at checkout. How long the money takes to show up depends on your bank: " +
                "card refunds usually appear within 5 to 7 working days, PayPal refunds within 2 days and gift card refunds instantly as store credit."),
            new KnowledgeChunk("delivery", "Delivery times", "Delivery", "Standard delivery takes 2 to 4 working days. Express delivery arrives the next working day."),
        ]);
        return provider;
    }

    /// <summary>The sample FAQ bot without its cache gate (clean goes straight to retrieve).</summary>
    private static WorkflowGraph AnsweringPath()
    {
        var bot = SampleWorkflows.FaqBot(KnowledgeBaseId);
        return bot with
        {
            Nodes = [.. bot.Nodes.Where(n => n.Type != "cache").Select(n => n with { Cache = NodeCacheSettings.Disabled })],
            Edges = [.. bot.Edges.Where(e => e.From != "cache" && e.To != "cache"), new Edge("clean", "retrieve")],
        };
    }
}
