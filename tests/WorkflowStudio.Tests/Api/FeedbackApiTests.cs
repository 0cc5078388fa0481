using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Api;

/// <summary><c>POST /api/runs/{runId}/feedback</c>: who may report which run, what a wrong-answer report does to the
/// response cache, and how bad bodies are answered.</summary>
[Collection(ApiCollection.Name)]
public sealed class FeedbackApiTests(ApiFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    [Fact]
    public async Task Feedback_CachedAnswerWrongWithTheWorkflowsRunKey_DroppedSoTheQuestionMissesAgain()
    {
        // Arrange: a question asked twice, the second answered from the cache
        var id = await _server.CreateFaqBotAsync();
        var (_, key) = await _server.CreateKeyAsync(id);
        using var client = _server.Client(key);
        var question = $"How do I get a refund {Guid.NewGuid():n}?";
        await RunAsync(client, id, question);
        var (hitRun, hit) = await RunAsync(client, id, question);
        Assert.Equal("hit", hit);
        await WaitUntilRecordedAsync(hitRun);

        // Act
        using var response = await client.PostAsJsonAsync($"api/runs/{hitRun}/feedback", new { correct = false });
        var body = await ApiServer.ReadAsync(response);
        var (_, after) = await RunAsync(client, id, question);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(hitRun, body.GetProperty("runId").GetString());
        Assert.True(body.GetProperty("fromCache").GetBoolean());
        Assert.Contains("dropped from the cache", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("miss", after);
    }

    [Fact]
    public async Task Feedback_AdminKeyOnAnAnswerTheRunStored_DroppedSoTheNextAskMisses()
    {
        // Arrange: the first ask misses and stores its answer
        var id = await _server.CreateFaqBotAsync();
        using var admin = _server.Admin();
        var question = $"What are your opening hours {Guid.NewGuid():n}?";
        var (missRun, miss) = await RunAsync(admin, id, question);
        Assert.Equal("miss", miss);
        await WaitUntilRecordedAsync(missRun);

        // Act
        using var response = await admin.PostAsJsonAsync($"api/runs/{missRun}/feedback", new { correct = false });
        var body = await ApiServer.ReadAsync(response);
        var (_, next) = await RunAsync(admin, id, question);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body.GetProperty("fromCache").GetBoolean());
        Assert.False(body.GetProperty("pairBlocked").GetBoolean());
        Assert.Equal("miss", next);
    }

    [Fact]
    public async Task Feedback_RunKeyOfAnotherWorkflowOrUnknownRun_404()
    {
        // Arrange
        var a = await _server.CreateFaqBotAsync();
        var b = await _server.CreateFaqBotAsync();
        var (_, keyA) = await _server.CreateKeyAsync(a);
        var (_, keyB) = await _server.CreateKeyAsync(b);
        using var clientA = _server.Client(keyA);
        using var clientB = _server.Client(keyB);
        var (runOfA, _) = await RunAsync(clientA, a, $"How do I get a refund {Guid.NewGuid():n}?");
        await WaitUntilRecordedAsync(runOfA);

        // Act
        using var foreign = await clientB.PostAsJsonAsync($"api/runs/{runOfA}/feedback", new { correct = false });
        using var unknown = await clientA.PostAsJsonAsync($"api/runs/{Guid.NewGuid():n}/feedback", new { correct = false });
        using var unknownForAdmin = await _server.Admin().PostAsJsonAsync($"api/runs/{Guid.NewGuid():n}/feedback", new { correct = false });

        // Assert
        foreach (var response in new[] { foreign, unknown, unknownForAdmin })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.StartsWith("There is no run", (await ApiServer.ReadAsync(foreign)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{ "correct": null }""")]
    [InlineData("""{ "correct": "no" }""")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task Feedback_BodyWithoutATrueOrFalseCorrect_400Problem(string json)
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        using var admin = _server.Admin();
        var (runId, _) = await RunAsync(admin, id, $"How do I get a refund {Guid.NewGuid():n}?");
        await WaitUntilRecordedAsync(runId);

        // Act
        using var response = await admin.PostAsync($"api/runs/{runId}/feedback", ApiServer.Json(json));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace((await ApiServer.ReadAsync(response)).GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Feedback_CorrectTrue_204AndTheCachedAnswerKept()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        var (_, key) = await _server.CreateKeyAsync(id);
        using var client = _server.Client(key);
        var question = $"How do I get a refund {Guid.NewGuid():n}?";
        await RunAsync(client, id, question);
        var (hitRun, _) = await RunAsync(client, id, question);
        await WaitUntilRecordedAsync(hitRun);

        // Act
        using var response = await client.PostAsJsonAsync($"api/runs/{hitRun}/feedback", new { correct = true });
        var (_, after) = await RunAsync(client, id, question);

        // Assert
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("hit", after);
    }

    [Fact]
    public async Task Feedback_GateCachingOff_409NotFromTheCache()
    {
        // Arrange: the gate's caching is off, so the answer is neither served from nor stored in the cache
        var id = await _server.CreateFaqBotAsync(edit: g => g with
        {
            Nodes = [.. g.Nodes.Select(n => n.Id == "cache" ? n with { Cache = n.Cache with { Enabled = false } } : n)],
        });
        using var admin = _server.Admin();
        var (runId, _) = await RunAsync(admin, id, $"How do I get a refund {Guid.NewGuid():n}?");
        await WaitUntilRecordedAsync(runId);

        // Act
        using var response = await admin.PostAsJsonAsync($"api/runs/{runId}/feedback", new { correct = false });

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("did not come from the response cache", (await ApiServer.ReadAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Runs the question; the run id and the cache gate's outcome.</summary>
    private static async Task<(string RunId, string? Gate)> RunAsync(HttpClient client, string workflowId, string question)
    {
        using var response = await client.PostAsJsonAsync($"api/workflows/{workflowId}/run", new { query = question });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ApiServer.ReadAsync(response);
        var gate = body.GetProperty("trace").EnumerateArray().Single(t => t.GetProperty("nodeId").GetString() == "cache");
        return (body.GetProperty("runId").GetString()!, gate.TryGetProperty("cache", out var cache) ? cache.GetString() : null);
    }

    /// <summary>Runs are recorded a moment after their answer; {"correct": true} with the admin key changes nothing and answers
    /// 204 once the run is there.</summary>
    private async Task WaitUntilRecordedAsync(string runId)
    {
        using var admin = _server.Admin();
        await Eventually.WaitUntilAsync(async () =>
        {
            using var response = await admin.PostAsJsonAsync($"api/runs/{runId}/feedback", new { correct = true });
            return response.StatusCode == HttpStatusCode.NoContent;
        }, TimeSpan.FromSeconds(30), $"run {runId} recorded");
    }
}
