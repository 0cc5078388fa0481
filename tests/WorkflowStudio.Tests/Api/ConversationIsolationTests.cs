using System.Net;
using System.Net.Http.Json;

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
}
