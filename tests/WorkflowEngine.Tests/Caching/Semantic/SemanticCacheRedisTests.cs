using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Caching.Semantic;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Caching.Semantic;

/// <summary>Two engine instances (own service providers, own Redis connections) on one real redis-server and one studio database.</summary>
[Collection(RedisServer.Collection)]
public sealed class SemanticCacheRedisTests(RedisServer redis) : IAsyncLifetime
{
    private static readonly MiniLmEmbeddingGenerator Embeddings = new();
    private readonly string _dbPath = Path.Combine(Path.GetTempPath(), $"semantic-test-{Guid.NewGuid():n}.db");
    private readonly string _workflowId = $"wf-{Guid.NewGuid():n}";
    private ServiceProvider _a = null!;
    private ServiceProvider _b = null!;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    public async Task InitializeAsync()
    {
        _a = await StartInstanceAsync();
        _b = await StartInstanceAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        File.Delete(_dbPath);
    }

    [Fact]
    public async Task FindAsync_QuestionAsTyped_NamesReadFromCapitalsAndKeptOnTheEntry()
    {
        // Arrange: the gate looks up the cleaned, lower-cased text; the question as typed keeps the capitals that mark names.
        var kb = await SampleKbAsync();
        var scope = await ScopeAsync(_a, kb);
        await Semantic(_a).StoreAsync(scope, "when do i get my money back", "When do I get my money back?", "Refunds take 5 to 10 days.", TimeSpan.FromSeconds(2), Timeout);

        // Act
        var typed = await ((SemanticAnswerMatcher)Semantic(_a)).QueryAsync(scope, "when will i get my money back from norway", "When will I get my money back from Norway?", Timeout);
        var lowered = await ((SemanticAnswerMatcher)Semantic(_a)).QueryAsync(scope, "when will i get my money back from norway", Timeout);
        var hit = (await Semantic(_b).FindAsync(scope, "when will i get my money back", "When will I get my money back?", 0, Timeout)).Match;

        // Assert
        Assert.Contains("norway", typed.Features.Entities);
        Assert.DoesNotContain("norway", lowered.Features.Entities);
        Assert.NotNull(hit);
        Assert.Equal("When do I get my money back?", hit.Details!["matchedQuestion"]);
    }

    [Fact]
    public async Task FindAsync_EntryStoredOnOtherInstance_HitFromRedisWithReasons()
    {
        // Arrange
        var kb = await SampleKbAsync();
        var scope = await ScopeAsync(_a, kb);
        await Semantic(_a).StoreAsync(scope, "when do i get my money back", "Refunds take 5 to 10 days.", TimeSpan.FromSeconds(2), Timeout);

        // Act
        var hit = await Semantic(_b).FindAsync(scope, "when will i get my money back", 0, Timeout);
        var miss = await Semantic(_b).FindAsync(scope, "how do i cancel my order", 0, Timeout);

        // Assert
        Assert.NotNull(hit);
        Assert.Equal("Refunds take 5 to 10 days.", hit.Answer);
        Assert.Equal(CacheLevel.L2, hit.Level);
        Assert.Equal(TimeSpan.FromSeconds(2), hit.Saved);
        Assert.Equal("when do i get my money back", hit.Details!["matchedQuestion"]);
        Assert.StartsWith("passed", hit.Details["check.retrieval"], StringComparison.Ordinal);
        Assert.Null(miss);
    }

    [Fact]
    public async Task FindAsync_GateStrictness_DecidesWithThatLevelsProbability()
    {
        // Arrange: an instance with the calibrated decision, and a pair its default (Balanced) serves.
        await using var calibrated = await StartInstanceAsync(decision: SemanticDecision.Calibrated);
        var kb = await SampleKbAsync();
        var scope = await ScopeAsync(calibrated, kb);
        await Semantic(calibrated).StoreAsync(scope, "退款要多久", "退款需要五到十天。", TimeSpan.FromSeconds(2), Timeout);
        var balanced = await Semantic(calibrated).FindAsync(scope, "退款需要多久", 0, Timeout);
        Assert.NotNull(balanced);
        var verdict = balanced.Details!["check.probability"];
        Assert.Contains($"(needs {HitModel.Default.Threshold(MatchStrictness.Balanced):0.00}, balanced)", verdict, StringComparison.Ordinal);
        var probability = double.Parse(verdict.Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture);

        // Act
        var strict = await Semantic(calibrated).FindAsync(scope, "退款需要多久", new MatchRule(0, MatchStrictness.Strict), Timeout);

        // Assert: served under Strict exactly when the same probability reaches Strict's threshold, and then said so.
        var strictThreshold = HitModel.Default.Threshold(MatchStrictness.Strict);
        Assert.Equal(probability >= strictThreshold, strict is not null);
        if (strict is not null)
        {
            Assert.Contains($"(needs {strictThreshold:0.00}, strict)", strict.Details!["check.probability"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task StoreAsync_Answer_EntryInRedisCarriesTheSecondModelsArticle()
    {
        // Arrange
        var kb = await SampleKbAsync();
        var scope = await ScopeAsync(_a, kb);

        // Act
        await Semantic(_a).StoreAsync(scope, "when do i get my money back", "Refunds take 5 to 10 days.", TimeSpan.FromSeconds(2), Timeout);

        // Assert: both models put the question on the refunds article, and the other instance gets that with the entry.
        var connection = await _a.GetRequiredService<RedisConnection>().GetAsync();
        var entries = new List<SemanticEntry>();
        foreach (var key in await SemanticKeysAsync($"{_workflowId}:cache:*:e:*"))
        {
            entries.Add(System.Text.Json.JsonSerializer.Deserialize<SemanticEntry>((string)(await connection.GetDatabase().StringGetAsync(key))!,
                new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!);
        }

        var entry = Assert.Single(entries);
        Assert.StartsWith($"{kb}/refunds", entry.TopDocument, StringComparison.Ordinal);
        Assert.Equal(entry.TopDocument, entry.ConfirmingDocument);
        Assert.True(entry.RetrievalConfirmed);
    }

    [Fact]
    public async Task FindAsync_AfterKnowledgeBaseChange_MissOnBothInstances()
    {
        // Arrange: an answer shared through Redis, served on both instances.
        var kb = await SampleKbAsync();
        var before = await ScopeAsync(_a, kb);
        await Semantic(_a).StoreAsync(before, "when do i get my money back", "Refunds take 5 to 10 days.", TimeSpan.FromSeconds(1), Timeout);
        Assert.NotNull(await Semantic(_b).FindAsync(before, "when will i get my money back", 0, Timeout));

        // Act: the knowledge base changes on instance A; the gate's scope follows the new version.
        var service = _a.GetRequiredService<KnowledgeBaseService>();
        await service.AddDocumentAsync(kb, "refund-update.md", "# Refund update\n\nRefunds now take 3 days.", Timeout);
        await service.WaitForIndexingAsync(kb, Timeout);
        // B hears of the change over Redis Pub/Sub, a moment after A announced it.
        var after = before;
        await Eventually.WaitUntilAsync(async () => (after = await ScopeAsync(_b, kb)).ScopeHash != before.ScopeHash,
            TimeSpan.FromSeconds(30), "instance B to see the knowledge base's new version");

        // Assert
        Assert.NotEqual(before.ScopeHash, after.ScopeHash);
        Assert.Null(await Semantic(_a).FindAsync(after, "when will i get my money back", 0, Timeout));
        Assert.Null(await Semantic(_b).FindAsync(after, "when do i get my money back", 0, Timeout));
    }

    [Fact]
    public async Task ClearWorkflowAsync_NodeThenWorkflow_SemanticEntriesGoneFromRedisAndBothInstances()
    {
        // Arrange: answers of two gates of this workflow and one of another workflow, shared through Redis; B has loaded them.
        var kb = await SampleKbAsync();
        var gate = await ScopeAsync(_a, kb);
        var secondGate = gate with { NodeId = "cache2" };
        var otherWorkflow = gate with { WorkflowId = _workflowId + "-other" };
        foreach (var scope in new[] { gate, secondGate, otherWorkflow })
        {
            await Semantic(_a).StoreAsync(scope, "when do i get my money back", "Refunds take 5 to 10 days.", TimeSpan.FromSeconds(1), Timeout);
            Assert.NotNull(await Semantic(_b).FindAsync(scope, "when will i get my money back", 0, Timeout));
        }

        var invalidation = _a.GetRequiredService<ICacheInvalidation>();

        // Act 1: clear one node.
        await invalidation.ClearWorkflowAsync(_workflowId, "cache");

        // Assert 1: its keys are gone from Redis, the other gate's are not; both instances miss for it.
        Assert.Empty(await SemanticKeysAsync($"{_workflowId}:cache:*"));
        Assert.NotEmpty(await SemanticKeysAsync($"{_workflowId}:cache2:*"));
        Assert.Null(await Semantic(_a).FindAsync(gate, "when will i get my money back", 0, Timeout));
        await EventuallyMissAsync(_b, gate, "instance B to stop serving the cleared node's answer");
        Assert.NotNull(await Semantic(_b).FindAsync(secondGate, "when will i get my money back", 0, Timeout));

        // Act 2: clear the whole workflow.
        await invalidation.ClearWorkflowAsync(_workflowId);

        // Assert 2: nothing of this workflow is left anywhere; the other workflow keeps its answers.
        Assert.Empty(await SemanticKeysAsync($"{_workflowId}:*"));
        await EventuallyMissAsync(_b, secondGate, "instance B to stop serving the cleared workflow's answer");
        Assert.Null(await Semantic(_a).FindAsync(secondGate, "when will i get my money back", 0, Timeout));
        Assert.NotEmpty(await SemanticKeysAsync($"{otherWorkflow.WorkflowId}:*"));
        Assert.NotNull(await Semantic(_b).FindAsync(otherWorkflow, "when will i get my money back", 0, Timeout));
    }

    [Fact]
    public async Task ReportWrongAsync_ParaphraseServedWrongly_EntryGoneOnEveryInstanceAndPairNeverMatchedAgain()
    {
        // Arrange: A stored an answer; B served it to a paraphrase (B holds the entry in its own index now).
        var kb = await SampleKbAsync();
        var scope = await ScopeAsync(_a, kb);
        const string stored = "when do i get my money back";
        const string asked = "when will i get my money back";
        await Semantic(_a).StoreAsync(scope, stored, "Refunds take 5 to 10 days.", TimeSpan.FromSeconds(1), Timeout);
        var served = await Semantic(_b).FindAsync(scope, asked, 0, Timeout);
        Assert.NotNull(served);
        Assert.Equal(stored, served.StoredText);

        // Act: the answer is reported wrong on instance A.
        var report = await _a.GetRequiredService<ResponseCache>().ReportWrongAsync(
            new GateAnswer(_workflowId, "cache", "semantic", scope.ScopeHash, asked, served.StoredText!, Served: true), Timeout);

        // Assert: the entry is gone from Redis and from B's index (B hears of it over Pub/Sub), not only from A.
        Assert.True(report.PairBlocked);
        Assert.Empty(await SemanticKeysAsync($"{_workflowId}:cache:*:e:*"));
        await Eventually.WaitUntilAsync(async () => await Semantic(_b).FindAsync(scope, stored, 0, Timeout) is null,
            TimeSpan.FromSeconds(10), "instance B forgetting the reported entry");
        Assert.Null(await Semantic(_a).FindAsync(scope, stored, 0, Timeout));

        // Act 2: the stored question is asked again and its answer cached again (a miss stores it), on B this time.
        await Semantic(_b).StoreAsync(scope, stored, "Refunds take 5 to 10 days.", TimeSpan.FromSeconds(1), Timeout);

        // Assert 2: its own question is served, the reported paraphrase is not, on both instances and on one started afresh
        // (the pair is kept in Redis, not in a process).
        Assert.NotNull(await Semantic(_a).FindAsync(scope, stored, 0, Timeout));
        Assert.Null(await Semantic(_a).FindAsync(scope, asked, 0, Timeout));
        Assert.Null(await Semantic(_b).FindAsync(scope, asked, 0, Timeout));
        await using var restarted = await StartInstanceAsync();
        Assert.NotNull(await Semantic(restarted).FindAsync(scope, stored, 0, Timeout));
        Assert.Null(await Semantic(restarted).FindAsync(scope, asked, 0, Timeout));
    }

    [Fact]
    public async Task ReportWrongAsync_WhileRedisIsDown_EntryNeverComesBackAndLeavesRedisAndTheOtherInstanceOnceRedisReturns()
    {
        // Arrange: a Redis of the test's own (it is stopped); A stored an answer, B served it to a paraphrase from its own index.
        using var ownRedis = new RedisServer();
        ownRedis.Start();
        await using var a = await StartInstanceAsync(redisConnectionString: ownRedis.ConnectionString);
        await using var b = await StartInstanceAsync(redisConnectionString: ownRedis.ConnectionString);
        var kb = await SampleKbAsync();
        var scope = await ScopeAsync(a, kb);
        const string stored = "when do i get my money back";
        const string asked = "when will i get my money back";
        await Semantic(a).StoreAsync(scope, stored, "Refunds take 5 to 10 days.", TimeSpan.FromSeconds(1), Timeout);
        var served = await Semantic(b).FindAsync(scope, asked, 0, Timeout);
        Assert.NotNull(served);

        // Act: reported on A while Redis is away (and comes back with its data), so neither the store nor B hears of it then
        await ownRedis.StopKeepingDataAsync();
        await Eventually.WaitUntilAsync(() => Task.FromResult(a.GetRequiredService<RedisConnection>().IsDown && b.GetRequiredService<RedisConnection>().IsDown),
            TimeSpan.FromSeconds(10), "both instances to find Redis gone");
        await a.GetRequiredService<ResponseCache>().ReportWrongAsync(
            new GateAnswer(_workflowId, "cache", "semantic", scope.ScopeHash, asked, served.StoredText!, Served: true), Timeout);
        var onADuringOutage = await Semantic(a).FindAsync(scope, stored, 0, Timeout);
        var onBDuringOutage = await Semantic(b).FindAsync(scope, asked, 0, Timeout);
        ownRedis.Start();
        await Eventually.WaitUntilAsync(() => Task.FromResult(!a.GetRequiredService<RedisConnection>().IsDown),
            TimeSpan.FromSeconds(10), "A to reach Redis again");
        await Eventually.WaitUntilAsync(async () => (await SemanticKeysAsync($"{_workflowId}:cache:*:e:*", a)).Count == 0,
            TimeSpan.FromSeconds(15), "the reported entry to leave Redis once it returns");
        await Eventually.WaitUntilAsync(async () => await Semantic(b).FindAsync(scope, stored, 0, Timeout) is null,
            TimeSpan.FromSeconds(15), "instance B to forget the entry reported while Redis was down");

        // Assert: A never served it again; B did while it could not hear A, and does not now, for either question
        Assert.Null(onADuringOutage);
        Assert.NotNull(onBDuringOutage);
        Assert.Null(await Semantic(a).FindAsync(scope, stored, 0, Timeout));
        Assert.Null(await Semantic(b).FindAsync(scope, asked, 0, Timeout));
    }

    [Fact]
    public async Task ReportWrongAsync_PairBlocked_AnotherCandidateMayStillServeTheQuestion()
    {
        // Arrange: two cached phrasings of the refunds question; the nearer one was reported wrong for the asked question.
        var kb = await SampleKbAsync();
        var scope = await ScopeAsync(_a, kb);
        const string asked = "when will i get my money back";
        await Semantic(_a).StoreAsync(scope, "when do i get my money back", "Refunds take 5 to 10 days.", TimeSpan.FromSeconds(1), Timeout);
        await Semantic(_a).StoreAsync(scope, "when will i get my refund", "Your refund arrives in 5 to 10 days.", TimeSpan.FromSeconds(1), Timeout);
        var first = await Semantic(_a).FindAsync(scope, asked, 0, Timeout);
        Assert.NotNull(first);
        await _a.GetRequiredService<ResponseCache>().ReportWrongAsync(
            new GateAnswer(_workflowId, "cache", "semantic", scope.ScopeHash, asked, first.StoredText!, Served: true), Timeout);
        // The reported entry's question is answered and cached again; only the pair stays blocked.
        await Semantic(_a).StoreAsync(scope, first.StoredText!, "Refunds take 5 to 10 days.", TimeSpan.FromSeconds(1), Timeout);

        // Act
        var second = await Semantic(_b).FindAsync(scope, asked, 0, Timeout);

        // Assert: not the blocked entry but the other phrasing, which the matcher accepts on its own.
        Assert.Equal("when do i get my money back", first.StoredText);
        Assert.Equal("when will i get my refund", second?.StoredText);
        Assert.NotNull(await Semantic(_b).FindAsync(scope, first.StoredText!, 0, Timeout));
    }

    [Fact]
    public async Task FindAsync_MoreScopesThanIndexedInMemory_EvictedScopeReloadsFromRedisAndNoScopeAnswersForAnother()
    {
        // Arrange: an instance that keeps one scope's index in memory. It starts once A has indexed and announced the knowledge
        // base: an announcement reaching it mid-test drops every index of the base, and the count below would read 0.
        var kb = await SampleKbAsync();
        await using var small = await StartInstanceAsync(maxIndexedScopes: 1);
        var scope = await ScopeAsync(small, kb);
        var other = scope with { WorkflowId = scope.WorkflowId + "-other", Tags = [NodeCacheKey.WorkflowTag(scope.WorkflowId + "-other"), NodeCacheKey.KnowledgeBaseTag(kb)] };
        await Semantic(small).StoreAsync(scope, "when do i get my money back", "Refunds take 5 to 10 days.", TimeSpan.FromSeconds(2), Timeout);

        // Act: a lookup in another scope takes the only place, so the first scope's index is dropped.
        var otherScope = await Semantic(small).FindAsync(other, "when will i get my money back", 0, Timeout);
        var indexed = ((SemanticAnswerMatcher)Semantic(small)).IndexedScopeCount;
        var again = await Semantic(small).FindAsync(scope, "when will i get my money back", 0, Timeout);

        // Assert
        Assert.Null(otherScope);
        Assert.Equal(1, indexed);
        Assert.NotNull(again);
        Assert.Equal("Refunds take 5 to 10 days.", again.Answer);
        Assert.Equal(CacheLevel.L2, again.Level);
    }

    /// <summary>Instance B learns of the clear over Pub/Sub, so its in-process index goes shortly after the call returns.</summary>
    private static Task EventuallyMissAsync(IServiceProvider services, AnswerScope scope, string what) =>
        Eventually.WaitUntilAsync(async () => await Semantic(services).FindAsync(scope, "when will i get my money back", 0, Timeout) is null,
            TimeSpan.FromSeconds(30), what);

    /// <summary>The semantic store's keys matching <paramref name="pattern"/> after the key prefix and <c>sem:</c>.</summary>
    private async Task<List<string>> SemanticKeysAsync(string pattern, IServiceProvider? instance = null)
    {
        instance ??= _a;
        var connection = await instance.GetRequiredService<RedisConnection>().GetAsync();
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var keys = new List<string>();
        var prefix = instance.GetRequiredService<EngineCache>().Options.KeyPrefix + "sem:";
        await foreach (var key in server.KeysAsync(pattern: prefix + pattern, pageSize: 500)) // SCAN under the hood
        {
            keys.Add(key.ToString());
        }

        return keys;
    }

    private static IAnswerMatcher Semantic(IServiceProvider services) =>
        services.GetRequiredService<ResponseCache>().For("semantic");

    private async Task<string> SampleKbAsync()
    {
        var service = _a.GetRequiredService<KnowledgeBaseService>();
        var kb = await service.EnsureSampleAsync(Timeout);
        await service.WaitForIndexingAsync(kb, Timeout);
        return kb;
    }

    /// <summary>What the cache gate does: the scope covers the knowledge base's version.</summary>
    private async Task<AnswerScope> ScopeAsync(IServiceProvider services, string kb)
    {
        var version = await services.GetRequiredService<IKnowledgeSearch>().GetVersionAsync(kb, Timeout);
        return new AnswerScope(_workflowId, "cache", $"kb-version-{version}", TimeSpan.FromMinutes(10),
            [NodeCacheKey.WorkflowTag(_workflowId), NodeCacheKey.KnowledgeBaseTag(kb)]);
    }

    private async Task<ServiceProvider> StartInstanceAsync(int maxIndexedScopes = 1000, SemanticDecision decision = SemanticDecision.Rules,
        string? redisConnectionString = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Engine:Cache:Semantic:MaxIndexedScopes"] = maxIndexedScopes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ConnectionStrings:Redis"] = redisConnectionString ?? redis.ConnectionString,
                // These tests are about sharing entries between instances; the rules decide, so that which paraphrase hits
                // does not move with each refit of the calibrated model (SemanticMatcherTests and CalibratedDecisionTests cover it).
                ["Engine:Cache:Semantic:Decision"] = decision.ToString(),
            })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(Embeddings); // one model in memory for both instances
        services.AddStudioPersistence($"Data Source={_dbPath};Pooling=False");
        services.AddWorkflowEngine();
        var provider = services.BuildServiceProvider();
        await using (var db = await provider.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync())
        {
            await db.Database.EnsureCreatedAsync();
        }

        await provider.GetRequiredService<RedisConnection>().WaitForConnectionAttemptAsync();
        await provider.GetRequiredService<CacheInvalidation>().Subscribed;
        return provider;
    }
}
