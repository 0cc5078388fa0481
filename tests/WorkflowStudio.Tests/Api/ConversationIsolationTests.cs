using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WorkflowEngine.Graphs;
using WorkflowEngine.Llm;

namespace WorkflowStudio.Tests.Api;

/// <summary>Conversations through the HTTP API: a conversation belongs to one workflow, and an answer built with one
/// conversation's history is not served to another conversation.</summary>
[Collection(ApiCollection.Name)]
public sealed class ConversationIsolationTests(ApiFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    [Fact]
    public async Task Run_ConversationIdOfAnotherWorkflow_404AndItsTurnsNotSentToTheModel()
    {
        // Arrange: workflow A holds a conversation with a private first turn
        var a = await _server.CreateFaqBotAsync();
        var b = await _server.CreateFaqBotAsync();
        var (_, keyA) = await _server.CreateKeyAsync(a);
        var (_, keyB) = await _server.CreateKeyAsync(b);
        using var clientA = _server.Client(keyA);
        using var clientB = _server.Client(keyB);
        var conversation = $"conv-{Guid.NewGuid():n}";
        var privateTurn = $"My order {Guid.NewGuid():n} was a jacket that is too small.";
        using var first = await clientA.PostAsJsonAsync($"api/workflows/{a}/run", new { query = privateTurn, conversationId = conversation });
        var callsBefore = _server.Llm.ChatCallCount;

        // Act
        using var foreign = await clientB.PostAsJsonAsync($"api/workflows/{b}/run", new { query = "How do I return it?", conversationId = conversation });
        using var foreignStream = await clientB.PostAsJsonAsync($"api/workflows/{b}/run/stream", new { query = "How do I return it?", conversationId = conversation });
        using var own = await clientA.PostAsJsonAsync($"api/workflows/{a}/run", new { query = "How do I return it?", conversationId = conversation });

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal("application/problem+json", foreign.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Conversation not found", (await ApiServer.ReadAsync(foreign)).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, foreignStream.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(1, _server.Llm.ChatCallCount - callsBefore);
        Assert.Contains(_server.Llm.LastChatRequest!.Messages, m => m.Role == "user" && m.Content == privateTurn);
    }

    [Fact]
    public async Task Run_AnswerBuiltWithHistory_NotServedToANewConversation()
    {
        // Arrange: a follow-up answered within one conversation's history
        var id = await _server.CreateFaqBotAsync();
        var (_, key) = await _server.CreateKeyAsync(id);
        using var client = _server.Client(key);
        var followUp = $"How do I return it {Guid.NewGuid():n}?";
        using var opening = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "My order 4417 arrived and the jacket is too small." });
        var conversation = (await ApiServer.ReadAsync(opening)).GetProperty("conversationId").GetString();
        using var inConversation = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = followUp, conversationId = conversation });
        var callsBefore = _server.Llm.ChatCallCount;

        // Act
        using var fresh = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = followUp });
        var body = await ApiServer.ReadAsync(fresh);

        // Assert
        Assert.Equal(HttpStatusCode.OK, inConversation.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        var gate = body.GetProperty("trace").EnumerateArray().Single(t => t.GetProperty("nodeId").GetString() == "cache");
        Assert.Equal("miss", gate.GetProperty("cache").GetString());
        Assert.Equal(1, _server.Llm.ChatCallCount - callsBefore);
        Assert.DoesNotContain(_server.Llm.LastChatRequest!.Messages, m => m.Content.Contains("4417", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_StandaloneQuestionOn_FollowUpsOfTwoConversationsRewrittenAndTheSecondServedFromCache()
    {
        // Arrange: the model rewrites both conversations' follow-ups into the same self-contained question
        var id = await _server.CreateFaqBotAsync(edit: WithStandaloneQuestion);
        var (_, key) = await _server.CreateKeyAsync(id);
        using var client = _server.Client(key);
        var standalone = $"How do I return a jacket {Guid.NewGuid():n} that is too small?";
        var answerer = _server.Llm.Responder;
        _server.Llm.Responder = r => r.SystemMessage == StandaloneQuestionWriter.Instructions ? standalone : answerer!(r);
        try
        {
            var first = await AskAsync(client, id, "My order 4417 arrived and the jacket is too small.");
            var firstFollowUp = await AskAsync(client, id, "How do I return it?", first.GetProperty("conversationId").GetString());
            var second = await AskAsync(client, id, "I bought a jacket last week but it does not fit.");
            var rewritesBefore = _server.Llm.ChatRequests.Count(r => r.SystemMessage == StandaloneQuestionWriter.Instructions);
            var callsBefore = _server.Llm.ChatCallCount;

            // Act
            var secondFollowUp = await AskAsync(client, id, "Can I send it back?", second.GetProperty("conversationId").GetString());

            // Assert
            var missed = Gate(firstFollowUp);
            Assert.Equal("miss", missed.GetProperty("cache").GetString());
            var hit = Gate(secondFollowUp);
            Assert.Equal("hit", hit.GetProperty("cache").GetString());
            Assert.Equal(firstFollowUp.GetProperty("answer").GetString(), secondFollowUp.GetProperty("answer").GetString());
            Assert.Equal(1, _server.Llm.ChatCallCount - callsBefore);
            var rewrite = _server.Llm.ChatRequests.Where(r => r.SystemMessage == StandaloneQuestionWriter.Instructions).Skip(rewritesBefore).Single();
            Assert.Contains("does not fit", rewrite.LastUserMessage);
            Assert.Contains("Can I send it back?", rewrite.LastUserMessage);
        }
        finally
        {
            _server.Llm.Responder = answerer;
        }
    }

    [Fact]
    public async Task Run_NewConversationIdChosenByTheCaller_Accepted()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        using var admin = _server.Admin();
        var conversation = $"mine-{Guid.NewGuid():n}";

        // Act
        using var response = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "How long does shipping take?", conversationId = conversation });

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(conversation, (await ApiServer.ReadAsync(response)).GetProperty("conversationId").GetString());
    }

    private static async Task<JsonElement> AskAsync(HttpClient client, string workflowId, string query, string? conversationId = null)
    {
        using var response = await client.PostAsJsonAsync($"api/workflows/{workflowId}/run", new { query, conversationId });
        var body = await ApiServer.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    private static JsonElement Gate(JsonElement body) =>
        body.GetProperty("trace").EnumerateArray().Single(t => t.GetProperty("nodeId").GetString() == "cache");

    private static WorkflowGraph WithStandaloneQuestion(WorkflowGraph graph) => graph with
    {
        Nodes = [.. graph.Nodes.Select(n => n.Id != "cache" ? n : n with
        {
            Settings = JsonSerializer.SerializeToElement(new { input = "{{ clean.text }}", matchMode = "exact", standaloneQuestion = true }),
        })],
    };
}
