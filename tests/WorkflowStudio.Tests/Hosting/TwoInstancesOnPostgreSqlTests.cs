using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowStudio.Tests.Api;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Hosting;

/// <summary>Two studio instances, A and B, on one PostgreSQL database and one Redis with one key prefix, calling one fake
/// OpenAI-compatible server: what is changed on one is what the other serves.</summary>
public sealed class TwoInstancesOnPostgreSqlTests : IClassFixture<TwoInstancesOnPostgreSqlTests.Instances>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly Instances _instances;

    public TwoInstancesOnPostgreSqlTests(Instances instances)
    {
        _instances = instances;
    }

    private ApiServer A => _instances.A;

    private ApiServer B => _instances.B;

    private FakeOpenAiServer Llm => _instances.A.Llm;

    [Fact]
    public async Task Workflow_SavedOnA_RunsOnBAndANewVersionWithinTheVersionCheckInterval()
    {
        // Arrange
        var id = await A.CreateFaqBotAsync();
        var (_, key) = await A.CreateKeyAsync(id);
        using var onB = B.Client(key);
        using var adminA = A.Admin();
        var first = await AnswerAsync(onB, id, $"Do you sell gift cards {Guid.NewGuid():n}?");
        var document = JsonNode.Parse(await adminA.GetStringAsync($"api/workflows/{id}"))!;
        var answerNode = document["nodes"]!.AsArray().Single(n => (string?)n!["id"] == "answer")!;
        answerNode["settings"]!["template"] = "{{ llm.text }} (version two)";

        // Act: B trusts the version it read for PublishedWorkflows.RecheckInterval (1 s) when nothing changed on B itself
        using var saved = await PutAsync(adminA, id, document, ifMatch: 1);
        string? second = null;
        await Eventually.WaitUntilAsync(async () => (second = await AnswerAsync(onB, id, $"Do you sell gift cards {Guid.NewGuid():n}?")).EndsWith("(version two)", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5), "B to run the version saved on A");
        var third = await AnswerAsync(onB, id, $"Do you sell gift cards {Guid.NewGuid():n}?");

        // Assert
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.StartsWith("Answer to:", first);
        Assert.DoesNotContain("(version two)", first);
        Assert.EndsWith("(version two)", second);
        Assert.EndsWith("(version two)", third);
    }

    [Fact]
    public async Task KnowledgeBase_EditedOnA_BServesNoAnswerFromTheOldTextOneSecondLater()
    {
        // Arrange: a bot on a base of its own; the fake model answers with the warranty term its prompt holds.
        using var adminA = A.Admin();
        using var created = await adminA.PostAsJsonAsync("api/knowledge-bases", new { name = $"Warranty {Guid.NewGuid():n}" });
        var kbId = (await ApiServer.ReadAsync(created)).GetProperty("id").GetString()!;
        await AddDocumentAsync(adminA, kbId, "The warranty on every product lasts 12 months from delivery.");
        var id = await A.CreateFaqBotAsync(edit: graph => ApiServer.OnKnowledgeBase(graph, kbId, minScore: 0));
        var (_, key) = await A.CreateKeyAsync(id);
        using var onB = B.Client(key);
        const string question = "How long is the warranty?";
        var before = await AnswerAsync(onB, id, question);
        var beforeAgain = await RunAsync(onB, id, question);

        // Act: the document is replaced on A (201 once indexed there); B must follow within a second
        await AddDocumentAsync(adminA, kbId, "The warranty on every product lasts 24 months from delivery.");
        var edited = DateTimeOffset.UtcNow;
        string? after = null;
        await Eventually.WaitUntilAsync(async () => (after = await AnswerAsync(onB, id, question)) == "24 months",
            TimeSpan.FromSeconds(1), "B to answer from the edited text");
        var followedWithin = DateTimeOffset.UtcNow - edited;
        var later = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            later.Add(await AnswerAsync(onB, id, question));
        }

        // Assert
        Assert.Equal("12 months", before);
        Assert.Equal("hit", Gate(beforeAgain).GetProperty("cache").GetString());
        Assert.Equal("24 months", after);
        Assert.True(followedWithin < TimeSpan.FromSeconds(1), $"B followed after {followedWithin.TotalMilliseconds:0} ms");
        Assert.All(later, answer => Assert.Equal("24 months", answer));
    }

    [Fact]
    public async Task Run_TwoHundredIdenticalNewQuestionsAtOnceOverAAndB_OneModelCall()
    {
        // Arrange: the model takes a while, so every request arrives while the first call is still out
        var id = await A.CreateFaqBotAsync();
        var (_, key) = await A.CreateKeyAsync(id);
        using var onA = A.Client(key);
        using var onB = B.Client(key);
        var question = $"Can I pick up my order in person {Guid.NewGuid():n}?";
        var callsBefore = Llm.ChatCallCount;
        Llm.Delay = TimeSpan.FromMilliseconds(500);

        // Act
        JsonElement[] runs;
        try
        {
            runs = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => RunAsync(i % 2 == 0 ? onA : onB, id, question)));
        }
        finally
        {
            Llm.Delay = TimeSpan.Zero;
        }

        // Assert
        Assert.Equal(1, Llm.ChatCallCount - callsBefore);
        Assert.Single(runs.Select(r => r.GetProperty("answer").GetString()).Distinct());
    }

    [Fact]
    public async Task RunKey_RevokedOnA_RefusedOnBWithinFiveSeconds()
    {
        // Arrange: B has just accepted the key (and remembers it)
        var id = await A.CreateFaqBotAsync();
        var (keyId, key) = await A.CreateKeyAsync(id);
        using var onB = B.Client(key);
        using var acceptedOnB = await onB.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "How do I return an item?" });
        using var adminA = A.Admin();

        // Act
        using var revoke = await adminA.DeleteAsync($"api/workflows/{id}/keys/{keyId}");
        var revoked = DateTimeOffset.UtcNow;
        HttpStatusCode refused = default;
        await Eventually.WaitUntilAsync(async () =>
        {
            using var response = await onB.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "How do I return an item?" });
            refused = response.StatusCode;
            return refused == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(5), "B to refuse the key revoked on A");

        // Assert
        Assert.Equal(HttpStatusCode.OK, acceptedOnB.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused);
        Assert.True(DateTimeOffset.UtcNow - revoked < TimeSpan.FromSeconds(5));
    }

    private static async Task<JsonElement> RunAsync(HttpClient client, string id, string question)
    {
        using var response = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = question });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<string> AnswerAsync(HttpClient client, string id, string question) =>
        (await RunAsync(client, id, question)).GetProperty("answer").GetString()!;

    private static JsonElement Gate(JsonElement run) =>
        run.GetProperty("trace").EnumerateArray().Single(t => t.GetProperty("nodeId").GetString() == "cache");

    private static async Task AddDocumentAsync(HttpClient admin, string kbId, string text)
    {
        using var response = await admin.PostAsJsonAsync($"api/knowledge-bases/{kbId}/documents", new { name = "warranty.md", text = "# Warranty\n\n" + text });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static async Task<HttpResponseMessage> PutAsync(HttpClient client, string id, JsonNode document, int ifMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/workflows/{id}") { Content = ApiServer.Json(document.ToJsonString()) };
        request.Headers.TryAddWithoutValidation("If-Match", $"\"{ifMatch}\"");
        return await client.SendAsync(request);
    }

    /// <summary>The database, Redis and both instances, started once for the class; B calls A's fake model.</summary>
    public sealed class Instances : IAsyncLifetime
    {
        private TestDatabase _database = null!;
        private RedisServer _redis = null!;

        public ApiServer A { get; private set; } = null!;

        public ApiServer B { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSQL);
            _redis = new RedisServer();
            await _redis.InitializeAsync();
            var shared = new Dictionary<string, string?>(_database.Configuration)
            {
                ["Engine:Cache:KeyPrefix"] = $"two-{Guid.NewGuid():n}:",
                // A 200-request burst on a busy 2-core test machine can hold a Redis reply past the 250 ms default, after
                // which a step runs rather than waits (by design): a second model call chosen by the timeout, not a lock
                // that failed. These tests are about what the instances share, so Redis gets the time it needs.
                ["Engine:Cache:RedisHardTimeout"] = "00:00:05",
            };
            A = await ApiServer.StartAsync(_redis, shared);
            A.Llm.Responder = r => r.LastUserMessage switch
            {
                { } prompt when prompt.Contains("24 months", StringComparison.Ordinal) => "24 months",
                { } prompt when prompt.Contains("12 months", StringComparison.Ordinal) => "12 months",
                var prompt => $"Answer to: {prompt?.Split('\n').Last()}",
            };
            B = await ApiServer.StartAsync(_redis, new Dictionary<string, string?>(shared)
            {
                ["Llm:BaseUrl"] = A.Llm.BaseUrl,
                ["Llm:ApiKey"] = A.Llm.ApiKey,
                ["Llm:Model"] = A.Llm.Model,
            });
        }

        public async Task DisposeAsync()
        {
            await B.DisposeAsync();
            await A.DisposeAsync();
            _redis.Dispose();
            await _database.DisposeAsync();
        }
    }
}
