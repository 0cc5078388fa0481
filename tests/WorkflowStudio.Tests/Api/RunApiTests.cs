using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class RunApiTests(ApiFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    private static string Question() => $"How long does shipping take to zone {Guid.NewGuid():n}?";

    [Fact]
    public async Task Run_KnowledgeBaseInItsFirstIndexing_503WithRetryAfterAndNoAnswerUntilItIsDone()
    {
        // Arrange: a new base whose one document another instance holds (its lease far off), so it stays in its first indexing
        using var admin = _server.Admin();
        using var created = await admin.PostAsJsonAsync("api/knowledge-bases", new { name = $"Being indexed {Guid.NewGuid():n}" });
        var kbId = (await ApiServer.ReadAsync(created)).GetProperty("id").GetString()!;
        var docId = Guid.NewGuid().ToString("n");
        await using (var db = await _server.Studio.Services.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync())
        {
            db.KnowledgeDocuments.Add(new KnowledgeDocumentEntity
            {
                Id = docId, KnowledgeBaseId = kbId, Name = "held.md", Text = "# Held\n\nHeld elsewhere.", ContentHash = "held", State = DocumentState.Indexing,
                LeaseOwner = "another-instance", LeaseUntil = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(),
            });
            await db.SaveChangesAsync();
        }
        var id = await _server.CreateFaqBotAsync(edit: graph => ApiServer.OnKnowledgeBase(graph, kbId));
        var (_, key) = await _server.CreateKeyAsync(id);
        using var client = _server.Client(key);
        var callsBefore = _server.Llm.ChatCallCount;

        // Act
        using var refused = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "What is held?" });
        var problem = await ApiServer.ReadAsync(refused);
        using var removed = await admin.DeleteAsync($"api/knowledge-bases/{kbId}/documents/{docId}");
        using var answered = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "What is held?" });

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("Still indexing", problem.GetProperty("title").GetString());
        Assert.Equal("The knowledge base is still being indexed (0 of 1 documents ready). Try again in a few seconds.", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(1, _server.Llm.ChatCallCount - callsBefore);
    }

    [Fact]
    public async Task Run_SameQuestionTwice_SecondAnsweredFromCacheGateWithLlmSkipped()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        var (_, key) = await _server.CreateKeyAsync(id);
        using var client = _server.Client(key);
        var question = Question();
        var callsBefore = _server.Llm.ChatCallCount;

        // Act
        using var first = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = question });
        using var second = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "  " + question.ToUpperInvariant() + "!! " });
        var a = await ApiServer.ReadAsync(first);
        var b = await ApiServer.ReadAsync(second);

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.True(_server.Llm.ChatCallCount - callsBefore == 1, $"LLM calls: {_server.Llm.ChatCallCount - callsBefore}\nfirst: {a}\nsecond: {b}");
        Assert.Equal(a.GetProperty("answer").GetString(), b.GetProperty("answer").GetString());
        Assert.False(string.IsNullOrWhiteSpace(a.GetProperty("runId").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(a.GetProperty("conversationId").GetString()));
        var firstTrace = Trace(a);
        Assert.Equal("miss", firstTrace["llm"].GetProperty("cache").GetString());
        Assert.Equal("succeeded", firstTrace["llm"].GetProperty("status").GetString());
        Assert.True(firstTrace["llm"].GetProperty("elapsedMs").GetDouble() > 0);
        var secondTrace = Trace(b);
        Assert.Equal("hit", secondTrace["cache"].GetProperty("cache").GetString());
        Assert.Equal("L1", secondTrace["cache"].GetProperty("level").GetString());
        Assert.Equal("skipped", secondTrace["llm"].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Run_WorkflowSavedBetweenRuns_NextRunUsesTheSavedVersion()
    {
        // Arrange: one run, so the published graph is held in memory
        var id = await _server.CreateFaqBotAsync();
        using var admin = _server.Admin();
        using var before = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = Question() });
        var document = JsonNode.Parse(await admin.GetStringAsync($"api/workflows/{id}"))!;
        var answer = document["nodes"]!.AsArray().Single(n => n!["id"]!.GetValue<string>() == "answer")!;
        answer["settings"] = new JsonObject { ["template"] = "Edited answer." };

        // Act
        using var saved = await admin.PutAsync($"api/workflows/{id}", ApiServer.Json(document.ToJsonString()));
        using var after = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = Question() });
        var body = await ApiServer.ReadAsync(after);

        // Assert
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("Edited answer.", body.GetProperty("answer").GetString());
    }

    [Fact]
    public async Task Run_ConversationId_KeptAndEarlierTurnsSentToTheModel()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        using var admin = _server.Admin();
        var conversation = $"conv-{Guid.NewGuid():n}";
        var firstQuestion = Question();

        // Act
        using var first = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = firstQuestion, conversationId = conversation });
        using var second = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = Question(), conversationId = conversation });
        var body = await ApiServer.ReadAsync(second);

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(conversation, body.GetProperty("conversationId").GetString());
        Assert.Contains(_server.Llm.LastChatRequest!.Messages, m => m.Role == "user" && m.Content == firstQuestion);
    }

    [Fact]
    public async Task Run_InvalidInput_400s()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        using var admin = _server.Admin();

        // Act
        using var tooLong = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = new string('a', 4001) });
        using var empty = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = " " });
        using var badConversation = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "hi", conversationId = "has spaces <b>" });
        using var notJson = await admin.PostAsync($"api/workflows/{id}/run", ApiServer.Json("query=hi"));
        using var unknown = await admin.PostAsJsonAsync("api/workflows/nope/run", new { query = "hi" });

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        var tooLongBody = await ApiServer.ReadAsync(tooLong);
        Assert.Contains("4,000", tooLongBody.GetProperty("detail").GetString());
        Assert.Equal(4000, tooLongBody.GetProperty("limit").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badConversation.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Contains("not valid JSON", (await ApiServer.ReadAsync(notJson)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Run_ModelFails_502ProblemAndNothingCached()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        using var admin = _server.Admin();
        var question = Question();
        _server.Llm.FailNext(100, 500);

        // Act
        HttpResponseMessage failed;
        try
        {
            failed = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = question });
        }
        finally
        {
            _server.Llm.FailNext(0);
        }
        var problem = await ApiServer.ReadAsync(failed);
        var callsBefore = _server.Llm.ChatCallCount;
        using var retried = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = question });
        var retriedBody = await ApiServer.ReadAsync(retried);

        // Assert
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
        Assert.Equal("llm", problem.GetProperty("failedNodeId").GetString());
        Assert.DoesNotContain("   at ", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain(_server.Llm.ApiKey, problem.ToString());
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(1, _server.Llm.ChatCallCount - callsBefore);
        Assert.Equal("miss", Trace(retriedBody)["cache"].GetProperty("cache").GetString());
        failed.Dispose();
    }

    [Fact]
    public async Task RunStream_Question_NodeAndTokenEventsThenDoneWithRunBody()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        var (_, key) = await _server.CreateKeyAsync(id);
        using var client = _server.Client(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/workflows/{id}/run/stream") { Content = JsonContent.Create(new { query = Question() }) };

        // Act
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = await SseReader.ReadAllAsync(response, _server.Contract);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var nodes = events.Where(e => e.Name == "node").Select(e => e.Data.GetProperty("nodeId").GetString()).ToList();
        Assert.Equal(["start", "clean", "cache", "retrieve", "template", "llm", "answer"], nodes);
        var tokens = events.Where(e => e.Name == "token").Select(e => e.Data.GetProperty("text").GetString()).ToList();
        Assert.True(tokens.Count > 1);
        var done = events[^1];
        Assert.Equal("done", done.Name);
        var answer = done.Data.GetProperty("answer").GetString();
        Assert.Equal(answer, string.Concat(events.Where(e => e.Name == "token" && e.Data.GetProperty("nodeId").GetString() == "llm").Select(e => e.Data.GetProperty("text").GetString())));
        Assert.Equal(7, done.Data.GetProperty("trace").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(done.Data.GetProperty("runId").GetString()));
    }

    [Fact]
    public async Task RunStream_ModelFails_ErrorEventWith502Problem()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        using var admin = _server.Admin();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/workflows/{id}/run/stream") { Content = JsonContent.Create(new { query = Question() }) };
        _server.Llm.FailNext(100, 500);

        // Act
        List<SseEvent> events;
        try
        {
            using var response = await admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            events = await SseReader.ReadAllAsync(response, _server.Contract);
        }
        finally
        {
            _server.Llm.FailNext(0);
        }

        // Assert
        var error = events[^1];
        Assert.Equal("error", error.Name);
        Assert.Equal(502, error.Data.GetProperty("status").GetInt32());
        Assert.Contains(events, e => e.Name == "node" && e.Data.GetProperty("nodeId").GetString() == "llm" && e.Data.GetProperty("status").GetString() == "failed");
    }

    [Fact]
    public async Task Cache_StatsThenClear_StatsCountHitsAndClearMakesNextRunMiss()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        using var admin = _server.Admin();
        var question = Question();
        (await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = question })).Dispose();
        (await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = question })).Dispose();

        // Act
        var stats = await admin.GetFromJsonAsync<JsonElement>($"api/workflows/{id}/cache/stats");
        using var clearUnknownNode = await admin.DeleteAsync($"api/workflows/{id}/cache?nodeId=nope");
        using var clearNode = await admin.DeleteAsync($"api/workflows/{id}/cache?nodeId=llm");
        using var clear = await admin.DeleteAsync($"api/workflows/{id}/cache");
        using var afterClear = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = question });
        using var unknownStats = await admin.GetAsync("api/workflows/nope/cache/stats");

        // Assert
        Assert.Equal(1, stats.GetProperty("hits").GetInt64());
        Assert.True(stats.GetProperty("misses").GetInt64() >= 1);
        Assert.Contains(stats.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("nodeId").GetString() == "cache" && n.GetProperty("hits").GetInt64() == 1);
        Assert.Equal(HttpStatusCode.NotFound, clearUnknownNode.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, clearNode.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, clear.StatusCode);
        Assert.Equal("miss", Trace(await ApiServer.ReadAsync(afterClear))["cache"].GetProperty("cache").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknownStats.StatusCode);
    }

    [Fact]
    public async Task Run_Recorded_InRunHistoryWithSourceApiAndTheKeyThatAsked()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        var (_, key) = await _server.CreateKeyAsync(id);
        using var admin = _server.Admin();
        using var runKey = _server.Client(key);
        var history = (WorkflowStudio.Runs.RunHistory)_server.Studio.Services.GetService(typeof(WorkflowStudio.Runs.RunHistory))!;

        // Act
        using var byAdmin = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = Question() });
        using var byRunKey = await runKey.PostAsJsonAsync($"api/workflows/{id}/run", new { query = Question() });
        var adminRunId = (await ApiServer.ReadAsync(byAdmin)).GetProperty("runId").GetString()!;
        var runKeyRunId = (await ApiServer.ReadAsync(byRunKey)).GetProperty("runId").GetString()!;
        WorkflowStudio.Runs.RunDetails? adminRun = null, runKeyRun = null;
        await WorkflowTesting.Eventually.WaitUntilAsync(async () =>
            (adminRun ??= await history.GetAsync(adminRunId)) is not null && (runKeyRun ??= await history.GetAsync(runKeyRunId)) is not null,
            TimeSpan.FromSeconds(10), "both runs to be recorded");

        // Assert
        Assert.Equal("api", adminRun!.Run.Source);
        Assert.Equal(7, adminRun.Trace.Count);
        Assert.Equal("Admin API key", adminRun.Run.StartedBy);
        Assert.Equal($"API key {key[..12]}", runKeyRun!.Run.StartedBy);
    }

    [Fact]
    public async Task Run_RunKeyAndAdminKey_RunKeyTraceHasStatusCacheAndTimingOnlyAdminKeepsTheFullTrace()
    {
        // Arrange: the admin asks first, so the run key's question is a cache hit on someone else's question
        var id = await _server.CreateFaqBotAsync();
        var (_, key) = await _server.CreateKeyAsync(id);
        using var runKey = _server.Client(key);
        using var admin = _server.Admin();
        var question = Question();
        using var asked = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = question });
        var adminBody = await ApiServer.ReadAsync(asked);

        // Act
        using var hit = await runKey.PostAsJsonAsync($"api/workflows/{id}/run", new { query = question + "!" });
        using var miss = await runKey.PostAsJsonAsync($"api/workflows/{id}/run", new { query = Question() });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/workflows/{id}/run/stream") { Content = JsonContent.Create(new { query = Question() }) };
        using var stream = await runKey.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = await SseReader.ReadAllAsync(stream);

        // Assert
        var adminTrace = Trace(adminBody);
        Assert.True(adminTrace["llm"].TryGetProperty("outputPreview", out var preview) && preview.GetString() is { Length: > 0 });
        Assert.Contains("provider", adminTrace["llm"].GetProperty("details").EnumerateObject().Select(p => p.Name));
        var hitBody = await ApiServer.ReadAsync(hit);
        Assert.Equal(adminBody.GetProperty("answer").GetString(), hitBody.GetProperty("answer").GetString());
        Assert.Equal("hit", Trace(hitBody)["cache"].GetProperty("cache").GetString());
        var missTrace = Trace(await ApiServer.ReadAsync(miss));
        Assert.Equal("miss", missTrace["llm"].GetProperty("cache").GetString());
        Assert.True(missTrace["llm"].GetProperty("elapsedMs").GetDouble() > 0);
        var streamed = events.Where(e => e.Name == "node").Select(e => e.Data)
            .Concat(events[^1].Data.GetProperty("trace").EnumerateArray());
        string[] allowed = ["nodeId", "type", "status", "cache", "level", "elapsedMs", "savedMs"];
        foreach (var entry in Trace(hitBody).Values.Concat(missTrace.Values).Concat(streamed))
        {
            Assert.All(entry.EnumerateObject(), p => Assert.Contains(p.Name, allowed));
        }
        Assert.False(Trace(hitBody)["cache"].TryGetProperty("details", out _)); // the matched question is the admin's
        Assert.DoesNotContain(_server.Llm.BaseUrl, hitBody.ToString() + missTrace.Values.First() + string.Join("", events.Select(e => e.Data.ToString())));
    }

    [Fact]
    public async Task Run_RunKeyAndModelFails_ProblemWithoutProviderDetails()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        var (_, key) = await _server.CreateKeyAsync(id);
        using var runKey = _server.Client(key);
        _server.Llm.FailNext(100, 500);

        // Act
        HttpResponseMessage failed;
        try
        {
            failed = await runKey.PostAsJsonAsync($"api/workflows/{id}/run", new { query = Question() });
        }
        finally
        {
            _server.Llm.FailNext(0);
        }
        var problem = await ApiServer.ReadAsync(failed);

        // Assert
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Contains(problem.GetProperty("runId").GetString()!, problem.GetProperty("detail").GetString());
        Assert.DoesNotContain(_server.Llm.Root.Authority, problem.ToString());
        failed.Dispose();
    }

    private static Dictionary<string, JsonElement> Trace(JsonElement body) =>
        body.GetProperty("trace").EnumerateArray().ToDictionary(t => t.GetProperty("nodeId").GetString()!);
}
