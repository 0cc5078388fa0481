using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Llm;

/// <summary>The fake server speaks the protocol the official OpenAI client expects (so other tests can rely on it).</summary>
public sealed class FakeOpenAiServerTests
{
    private static OpenAIClient ClientFor(FakeOpenAiServer server) =>
        new(new ApiKeyCredential(server.ApiKey), new OpenAIClientOptions { Endpoint = new Uri(server.BaseUrl) });

    [Fact]
    public async Task GetResponseAsync_NonStreaming_ReturnsAnswerAndUsageAndRecordsRequest()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Answer = "Refunds take five days.";
        IChatClient client = ClientFor(server).GetChatClient("m1").AsIChatClient();

        // Act
        var response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "How long do refunds take?")],
            new ChatOptions { Temperature = 0.3f, MaxOutputTokens = 42 });

        // Assert
        Assert.Equal("Refunds take five days.", response.Text);
        Assert.Equal(4, response.Usage?.OutputTokenCount);
        Assert.Equal(1, server.ChatCallCount);
        var request = Assert.Single(server.ChatRequests);
        Assert.Equal("m1", request.Model);
        Assert.Equal("Be brief.", request.SystemMessage);
        Assert.Equal("How long do refunds take?", request.LastUserMessage);
        Assert.Equal(0.3, request.Temperature!.Value, 3);
        Assert.Equal(42, request.MaxTokens);
        Assert.Equal(server.ApiKey, request.ApiKey);
        Assert.False(request.Stream);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Streaming_YieldsPiecesInOrderWithUsage()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Responder = r => "You asked: " + r.LastUserMessage;
        IChatClient client = ClientFor(server).GetChatClient("m1").AsIChatClient();
        var pieces = new List<string>();
        UsageDetails? usage = null;

        // Act
        await foreach (var update in client.GetStreamingResponseAsync("退款 要多久"))
        {
            if (!string.IsNullOrEmpty(update.Text))
            {
                pieces.Add(update.Text);
            }
            usage ??= update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details;
        }

        // Assert
        Assert.Equal(FakeOpenAiServer.SplitIntoTokens("You asked: 退款 要多久"), pieces);
        Assert.Equal(pieces.Count, usage?.OutputTokenCount);
        Assert.True(server.LastChatRequest!.Stream);
    }

    [Fact]
    public async Task GetResponseAsync_FailNext_ReturnsStatusThenRecovers()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        server.FailNext(1, 503);
        using var http = new HttpClient();
        var body = new StringContent("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json");

        // Act
        using var first = await http.PostAsync(server.BaseUrl + "/chat/completions", body);
        using var second = await http.PostAsync(server.BaseUrl + "/chat/completions", body);

        // Assert
        Assert.Equal(503, (int)first.StatusCode);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal(2, server.ChatCallCount);
    }

    [Fact]
    public async Task GenerateAsync_Embeddings_AreDeterministicAndNormalised()
    {
        // Arrange
        await using var server = await FakeOpenAiServer.StartAsync();
        var generator = ClientFor(server).GetEmbeddingClient("e1").AsIEmbeddingGenerator();

        // Act
        var result = await generator.GenerateAsync(["refund policy", "refund policy", "opening hours"]);

        // Assert
        Assert.Equal(3, result.Count);
        Assert.Equal(result[0].Vector.ToArray(), result[1].Vector.ToArray());
        Assert.Equal(FakeOpenAiServer.EmbeddingOf("refund policy"), result[0].Vector.ToArray());
        Assert.NotEqual(result[0].Vector.ToArray(), result[2].Vector.ToArray());
        Assert.Equal(1, server.EmbeddingCallCount);
    }
}
