using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes.Types;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Caching;

/// <summary>The response-cache gate's scope follows what the steps after it receive: the conversation's earlier turns and
/// the model that writes the answer.</summary>
[Collection(RedisServer.Collection)]
public sealed class GateConversationScopeTests(RedisServer redis)
{
    private const string FollowUp = "How do I return it?";

    private static readonly ChatTurn[] OrderHistory =
    [
        new(ChatTurn.User, "My order 4417 arrived, but the jacket is too small."),
        new(ChatTurn.Assistant, "Sorry to hear that! You can return it within 30 days."),
    ];

    private static Task<RunResult> RunAsync(ServiceProvider engine, WorkflowGraph graph, string workflowId, string question, IReadOnlyList<ChatTurn>? history = null) =>
        engine.GetRequiredService<WorkflowRunner>().RunToCompletionAsync(graph, new RunRequest(workflowId, question) { History = history ?? [] });

    [Fact]
    public async Task Gate_AnswerWrittenAfterEarlierTurns_ReusedOnlyAfterTheSameTurns()
    {
        // Arrange
        await using var engine = FaqBotEngine.Create(null);
        var graph = SampleWorkflows.FaqBot(FaqBotEngine.KnowledgeBaseId);
        var wf = CacheTestKit.NewWorkflowId();

        // Act
        var followUp = await RunAsync(engine, graph, wf, FollowUp, OrderHistory);
        var newConversation = await RunAsync(engine, graph, wf, FollowUp);
        var sameHistory = await RunAsync(engine, graph, wf, FollowUp, OrderHistory);

        // Assert
        Assert.True(followUp.Succeeded, followUp.Error);
        Assert.Equal(CacheStatus.Miss, followUp["cache"]!.Cache!.Status);
        Assert.Equal(ResponseGate.HistoryScope, followUp["cache"]!.Details!["scope"]);
        Assert.Equal(CacheStatus.Miss, newConversation["cache"]!.Cache!.Status);
        Assert.Equal(ResponseGate.QuestionScope, newConversation["cache"]!.Details!["scope"]);
        Assert.Equal(NodeRunStatus.Succeeded, newConversation["llm"]!.Status);
        Assert.Equal(CacheStatus.Hit, sameHistory["cache"]!.Cache!.Status);
        Assert.Equal(ResponseGate.HistoryScope, sameHistory["cache"]!.Details!["scope"]);
    }

    [Fact]
    public async Task Gate_FollowUpAskingAQuestionAnsweredWithoutHistory_ServedTheSharedAnswer()
    {
        // Arrange: a first turn answered without history
        await using var engine = FaqBotEngine.Create(null);
        var graph = SampleWorkflows.FaqBot(FaqBotEngine.KnowledgeBaseId);
        var wf = CacheTestKit.NewWorkflowId();
        var firstTurn = await RunAsync(engine, graph, wf, "How do I get a refund?");

        // Act
        var followUp = await RunAsync(engine, graph, wf, "How do I get a REFUND??", OrderHistory);

        // Assert
        Assert.True(firstTurn.Succeeded, firstTurn.Error);
        Assert.Equal(CacheStatus.Hit, followUp["cache"]!.Cache!.Status);
        Assert.Equal(ResponseGate.QuestionScope, followUp["cache"]!.Details!["scope"]);
        Assert.Equal(firstTurn.Answer, followUp.Answer);
    }

    [Fact]
    public async Task Gate_LlmStepSendsNoHistory_AnswerSharedWithNewConversations()
    {
        // Arrange
        await using var engine = FaqBotEngine.Create(null);
        var graph = WithSetting(SampleWorkflows.FaqBot(FaqBotEngine.KnowledgeBaseId), "llm", "historyTurns", 0);
        var wf = CacheTestKit.NewWorkflowId();

        // Act
        var followUp = await RunAsync(engine, graph, wf, FollowUp, OrderHistory);
        var newConversation = await RunAsync(engine, graph, wf, FollowUp);

        // Assert
        Assert.True(followUp.Succeeded, followUp.Error);
        Assert.Equal(ResponseGate.QuestionScope, followUp["cache"]!.Details!["scope"]);
        Assert.Equal(CacheStatus.Hit, newConversation["cache"]!.Cache!.Status);
        Assert.Equal(followUp.Answer, newConversation.Answer);
    }

    [Fact]
    public async Task Gate_DefaultModelChanged_OtherModelsAnswerNotServed()
    {
        // Arrange: two instances sharing Redis, configured with different default models
        await using var llm = await FakeOpenAiServer.StartAsync();
        llm.Responder = r => $"{r.Model} says: refunds take 30 days.";
        var prefix = $"scope-{Guid.NewGuid():n}:";
        Dictionary<string, string?> Model(string model) => new()
        {
            ["Llm:BaseUrl"] = llm.BaseUrl,
            ["Llm:ApiKey"] = llm.ApiKey,
            ["Llm:Model"] = model,
            ["Engine:Cache:KeyPrefix"] = prefix,
        };
        await using var first = FaqBotEngine.Create(redis.ConnectionString, Model("model-one"));
        await using var sameModel = FaqBotEngine.Create(redis.ConnectionString, Model("model-one"));
        await using var otherModel = FaqBotEngine.Create(redis.ConnectionString, Model("model-two"));
        var graph = SampleWorkflows.FaqBot(FaqBotEngine.KnowledgeBaseId);
        var wf = CacheTestKit.NewWorkflowId();

        // Act
        var asked = await RunAsync(first, graph, wf, "How do I get a refund?");
        var onSameModel = await RunAsync(sameModel, graph, wf, "How do I get a refund?");
        var onOtherModel = await RunAsync(otherModel, graph, wf, "How do I get a refund?");

        // Assert
        Assert.True(asked.Succeeded, asked.Error);
        Assert.Equal(CacheStatus.Hit, onSameModel["cache"]!.Cache!.Status);
        Assert.Equal(CacheStatus.Miss, onOtherModel["cache"]!.Cache!.Status);
        Assert.Equal("model-two says: refunds take 30 days.", onOtherModel.Answer);
    }

    [Fact]
    public async Task Gate_StandaloneQuestionWithoutModel_FollowUpLetThroughUnlookedAndUnstored()
    {
        // Arrange: the offline responder, so nothing can rewrite a follow-up
        await using var engine = FaqBotEngine.Create(null);
        var graph = WithSetting(SampleWorkflows.FaqBot(FaqBotEngine.KnowledgeBaseId), "cache", "standaloneQuestion", true);
        var wf = CacheTestKit.NewWorkflowId();

        // Act
        var followUp = await RunAsync(engine, graph, wf, FollowUp, OrderHistory);
        var again = await RunAsync(engine, graph, wf, FollowUp, OrderHistory);
        var firstTurn = await RunAsync(engine, graph, wf, FollowUp);

        // Assert
        Assert.True(followUp.Succeeded, followUp.Error);
        foreach (var run in new[] { followUp, again })
        {
            Assert.Equal(CacheStatus.Bypass, run["cache"]!.Cache!.Status);
            Assert.Contains("no model", run["cache"]!.Cache!.Detail);
            Assert.StartsWith("skipped: ", run["cache"]!.Details!["cache"]);
            Assert.Equal(NodeRunStatus.Succeeded, run["llm"]!.Status);
        }
        Assert.Equal(CacheStatus.Miss, firstTurn["cache"]!.Cache!.Status);
        Assert.Equal(ResponseGate.QuestionScope, firstTurn["cache"]!.Details!["scope"]);
    }

    private static WorkflowGraph WithSetting(WorkflowGraph graph, string nodeId, string name, JsonNode? value) => graph with
    {
        Nodes = [.. graph.Nodes.Select(n =>
        {
            if (n.Id != nodeId)
            {
                return n;
            }
            var settings = JsonNode.Parse(n.Settings.GetRawText())!.AsObject();
            settings[name] = value;
            return n with { Settings = JsonSerializer.SerializeToElement(settings) };
        })],
    };
}
