using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Knowledge;

[Collection(EmbeddingCollection.Name)]
public sealed class KnowledgeBaseServiceTests(EmbeddingFixture fixture)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    [Fact]
    public async Task SearchAsync_SampleKbCanonicalQuestions_RetrieveOwnArticleFirstInHybridMode()
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator);
        var kbId = await host.Service.EnsureSampleAsync();
        await host.Service.WaitForIndexingAsync(kbId, Timeout);
        var questions = SampleKnowledgeBase.LoadQuestions();

        // Act
        var misses = new List<string>();
        foreach (var (intent, q) in questions.Intents)
        {
            var hits = await host.Service.SearchAsync(kbId, q.Canonical, new SearchOptions(TopK: 1, Mode: SearchMode.Hybrid));
            var got = hits.Count == 0 ? "(none)" : Path.GetFileNameWithoutExtension(hits[0].Chunk.DocumentName);
            if (got != intent)
            {
                misses.Add($"{q.Canonical} -> {got} (expected {intent})");
            }
        }

        // Assert
        Assert.Equal(20, questions.Intents.Count);
        Assert.Empty(misses);
    }

    [Fact]
    public async Task SearchAsync_SampleKbChineseQuestions_MostRetrieveOwnArticleAndReachTheSampleBotsMinimumScore()
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator);
        var kbId = await host.Service.EnsureSampleAsync();
        await host.Service.WaitForIndexingAsync(kbId, Timeout);
        var questions = SampleKnowledgeBase.LoadChineseQuestions();

        // Act: the canonical Chinese questions, as the retrieve node searches (hybrid, the sample bot's minScore 0.2).
        var found = new List<string>();
        foreach (var (intent, q) in questions.Intents)
        {
            var hits = await host.Service.SearchAsync(kbId, q.Canonical, new SearchOptions(TopK: 1, MinScore: 0.2, Mode: SearchMode.Hybrid));
            if (hits.Count > 0 && Path.GetFileNameWithoutExtension(hits[0].Chunk.DocumentName) == intent)
            {
                found.Add(intent);
                Assert.EndsWith("（中文）", hits[0].Chunk.Heading, StringComparison.Ordinal);
            }
        }

        // Assert: with the English-only embedding taking part in the ranking none did. 退款要多久？ (refunds) is the Chinese
        // question the studio's test chat offers to try; single characters once ranked it under delete-account (永久).
        Assert.True(found.Count >= 15, $"only {found.Count} of {questions.Intents.Count}: {string.Join(", ", found)}");
        Assert.Contains("refunds", found);
    }

    [Theory, BothDatabases]
    public async Task SearchAsync_MoreKnowledgeBasesThanKeptInMemory_LeastRecentlyUsedIsDroppedAndReloadedFromTheDatabase(DatabaseProvider provider)
    {
        // Arrange: room for two indexes, three knowledge bases.
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator, options: o => o.MaxLoadedIndexes = 2, provider: provider);
        var ids = new List<string>();
        foreach (var (name, text) in new[] { ("Refunds", "Refunds reach your card within five working days."), ("Shipping", "Parcels ship within two days."), ("Returns", "Return an item within thirty days.") })
        {
            var kb = await host.Service.CreateAsync(name);
            await host.Service.AddDocumentAsync(kb.Id, name.ToLowerInvariant() + ".md", "# " + name + "\n\n" + text);
            await host.Service.WaitForIndexingAsync(kb.Id, Timeout);
            ids.Add(kb.Id);
        }
        var first = await host.Service.GetIndexSnapshotAsync(ids[0]);
        var firstAgain = await host.Service.GetIndexSnapshotAsync(ids[0]);

        // Act: the other two are loaded, so the first (least recently used) is dropped.
        await host.Service.GetIndexSnapshotAsync(ids[1]);
        await host.Service.GetIndexSnapshotAsync(ids[2]);
        var reloaded = await host.Service.GetIndexSnapshotAsync(ids[0]);
        var hits = await host.Service.SearchAsync(ids[0], "How long does a refund take?", new SearchOptions(TopK: 1));

        // Assert
        Assert.Same(first, firstAgain);
        Assert.NotSame(first, reloaded);
        Assert.Equal(first!.Count, reloaded!.Count);
        Assert.Equal("refunds.md", Assert.Single(hits).Chunk.DocumentName);
    }

    [Theory, BothDatabases]
    public async Task EnsureSampleAsync_CalledTwice_IsIdempotent(DatabaseProvider provider)
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator, provider: provider);
        var kbId = await host.Service.EnsureSampleAsync();
        await host.Service.WaitForIndexingAsync(kbId, Timeout);
        var version = await host.VersionAsync(kbId);

        // Act
        var again = await host.Service.EnsureSampleAsync();

        // Assert
        Assert.Equal(kbId, again);
        Assert.Single(await host.Service.ListAsync());
        var docs = await host.Service.ListDocumentsAsync(kbId);
        Assert.Equal(SampleKnowledgeBase.Articles.Count, docs.Count);
        Assert.All(docs, d => Assert.Equal(DocumentState.Ready, d.State));
        Assert.All(docs, d => Assert.True(d.ChunkCount > 0));
        Assert.Equal(version, await host.VersionAsync(kbId));
    }

    [Theory, BothDatabases]
    public async Task AddDocumentAsync_Edit_BumpsVersionAndReportsChangeAndSearchSeesNewText(DatabaseProvider provider)
    {
        // Arrange
        var invalidation = new RecordingInvalidation();
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator, invalidation, provider: provider);
        var kb = await host.Service.CreateAsync("Shop");
        await host.Service.AddDocumentAsync(kb.Id, "hours.md", "# Hours\n\nWe open at 9 am on weekdays.");
        await host.Service.WaitForIndexingAsync(kb.Id, Timeout);
        var before = await host.Service.GetVersionAsync(kb.Id);
        invalidation.Changed.Clear();

        // Act
        await host.Service.AddDocumentAsync(kb.Id, "hours.md", "# Hours\n\nWe open at 7 am on weekdays and close at midnight.");
        var afterEdit = await host.Service.GetVersionAsync(kb.Id);
        await host.Service.WaitForIndexingAsync(kb.Id, Timeout);
        var hits = await host.Service.SearchAsync(kb.Id, "when do you close", new SearchOptions(TopK: 1));

        // Assert
        Assert.True(afterEdit > before);
        // The edit and the finished indexing each bump the version. The one-line document may finish indexing before afterEdit
        // was read, so count from before rather than from afterEdit.
        Assert.True(await host.Service.GetVersionAsync(kb.Id) >= before + 2);
        Assert.Contains(kb.Id, invalidation.Changed);
        Assert.Contains("midnight", Assert.Single(hits).Chunk.Text);
        Assert.Single(await host.Service.ListDocumentsAsync(kb.Id));
    }

    [Fact]
    public async Task WaitForIndexingAsync_DocumentCommittedChangeNotYetAnnounced_WaitsForTheAnnouncement()
    {
        // Arrange: the document's own change goes through; the one its indexing makes is held after the commit.
        var invalidation = new HeldInvalidation();
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator, invalidation);
        var kb = await host.Service.CreateAsync("Shop");
        invalidation.HoldAfter(1);
        await host.Service.AddDocumentAsync(kb.Id, "hours.md", "# Hours\n\nWe open at 9 am on weekdays.", Timeout);
        await invalidation.Held.WaitAsync(Timeout);

        // Act
        var stored = Assert.Single(await host.Service.ListDocumentsAsync(kb.Id, Timeout));
        var whileHeld = await host.Service.IsIndexingAsync(kb.Id, Timeout);
        invalidation.Release();
        await host.Service.WaitForIndexingAsync(kb.Id, Timeout);

        // Assert: the database already said ready, the service did not until other instances had been told.
        Assert.Equal(DocumentState.Ready, stored.State);
        Assert.True(whileHeld);
        Assert.False(await host.Service.IsIndexingAsync(kb.Id, Timeout));
    }

    [Theory, BothDatabases]
    public async Task AddDocumentAsync_SameTextAgain_DoesNotReindexOrBumpVersion(DatabaseProvider provider)
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator, provider: provider);
        var kb = await host.Service.CreateAsync("Shop");
        var first = await host.Service.AddDocumentAsync(kb.Id, "a.md", "# A\n\nSome text.");
        await host.Service.WaitForIndexingAsync(kb.Id, Timeout);
        var version = await host.VersionAsync(kb.Id);

        // Act
        var second = await host.Service.AddDocumentAsync(kb.Id, "a.md", "# A\n\nSome text.");

        // Assert
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(DocumentState.Ready, second.State);
        Assert.Equal(version, await host.VersionAsync(kb.Id));
    }

    [Theory, BothDatabases]
    public async Task ReplaceDocumentAsync_OneOfTwo_OnlyThatDocumentIsReindexed(DatabaseProvider provider)
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator, provider: provider);
        var kb = await host.Service.CreateAsync("Shop");
        var a = await host.Service.AddDocumentAsync(kb.Id, "a.md", "# A\n\nApples are red.");
        var b = await host.Service.AddDocumentAsync(kb.Id, "b.md", "# B\n\nBananas are yellow.");
        await host.Service.WaitForIndexingAsync(kb.Id, Timeout);
        var indexed = new List<string>();
        using var subscription = host.Service.SubscribeProgress(p =>
        {
            lock (indexed)
            {
                if (p.State == DocumentState.Indexing)
                {
                    indexed.Add(p.DocumentName);
                }
            }
        });

        // Act
        await host.Service.ReplaceDocumentAsync(kb.Id, b.Id, "# B\n\nBlueberries are blue.");
        await host.Service.WaitForIndexingAsync(kb.Id, Timeout);

        // Assert
        Assert.NotEmpty(indexed);
        Assert.All(indexed, n => Assert.Equal("b.md", n));
        var hits = await host.Service.SearchAsync(kb.Id, "blueberries", new SearchOptions(TopK: 3, Mode: SearchMode.Keyword));
        Assert.Equal("b.md", Assert.Single(hits).Chunk.DocumentName);
        Assert.Equal(a.Id, (await host.Service.ListDocumentsAsync(kb.Id)).Single(d => d.Name == "a.md").Id);
    }

    [Theory, BothDatabases]
    public async Task DeleteDocumentAsync_Document_RemovesItsChunksAndBumpsVersion(DatabaseProvider provider)
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator, provider: provider);
        var kb = await host.Service.CreateAsync("Shop");
        var doc = await host.Service.AddDocumentAsync(kb.Id, "gift.md", "# Gift cards\n\nGift cards are valid for three years.");
        await host.Service.WaitForIndexingAsync(kb.Id, Timeout);
        var version = await host.VersionAsync(kb.Id);

        // Act
        await host.Service.DeleteDocumentAsync(kb.Id, doc.Id);

        // Assert
        Assert.True(await host.VersionAsync(kb.Id) > version);
        Assert.Empty(await host.Service.SearchAsync(kb.Id, "gift cards", new SearchOptions()));
        Assert.Empty(await host.Service.ListDocumentsAsync(kb.Id));
    }

    [Theory]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00 }, "not a text file")]
    [InlineData(new byte[] { 0x48, 0x69, 0x20, 0xC3, 0x28, 0x21 }, "not UTF-8 text")]
    public async Task AddDocumentAsync_NonTextBytes_RejectedWithPlainMessage(byte[] content, string expected)
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator);
        var kb = await host.Service.CreateAsync("Shop");

        // Act
        var ex = await Assert.ThrowsAsync<KnowledgeBaseException>(() => host.Service.AddDocumentAsync(kb.Id, "picture.png", content));

        // Assert
        Assert.Contains(expected, ex.Message);
        Assert.Contains("picture.png", ex.Message);
        Assert.Empty(await host.Service.ListDocumentsAsync(kb.Id));
    }

    [Fact]
    public async Task AddDocumentAsync_Utf8WithBom_AcceptedWithoutBom()
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator);
        var kb = await host.Service.CreateAsync("Shop");
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("# 退款\n\n退款会在五个工作日内到账。")).ToArray();

        // Act
        await host.Service.AddDocumentAsync(kb.Id, "zh.md", bytes);
        await host.Service.WaitForIndexingAsync(kb.Id, Timeout);
        var hits = await host.Service.SearchAsync(kb.Id, "怎么退款", new SearchOptions(Mode: SearchMode.Keyword));

        // Assert
        var hit = Assert.Single(hits);
        Assert.Equal("退款", hit.Chunk.Heading);
    }

    [Fact]
    public async Task CreateAsync_EmptyName_RejectedWithPlainMessage()
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator);

        // Act
        var ex = await Assert.ThrowsAsync<KnowledgeBaseException>(() => host.Service.CreateAsync("  "));

        // Assert
        Assert.Equal("Give the knowledge base a name.", ex.Message);
    }

    [Theory, BothDatabases]
    public async Task RenameAndDeleteAsync_KnowledgeBase_ListReflectsChanges(DatabaseProvider provider)
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator, provider: provider);
        var kb = await host.Service.CreateAsync("Old name");
        var other = await host.Service.CreateAsync("Other");

        // Act
        await host.Service.RenameAsync(kb.Id, "New name");
        await host.Service.DeleteAsync(other.Id);

        // Assert
        var list = await host.Service.ListAsync();
        Assert.Equal("New name", Assert.Single(list).Name);
        Assert.Null(await host.Service.GetVersionAsync(other.Id));
    }

    [Theory, BothDatabases]
    public async Task UpdateChunkingAsync_SmallerChunks_ReindexesIntoMoreChunks(DatabaseProvider provider)
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator, provider: provider);
        var kb = await host.Service.CreateAsync("Shop");
        await host.Service.AddDocumentAsync(kb.Id, "returns.md", SampleKnowledgeBase.Articles.Single(a => a.Intent == "returns").Text);
        await host.Service.WaitForIndexingAsync(kb.Id, Timeout);
        var before = (await host.Service.ListDocumentsAsync(kb.Id))[0].ChunkCount;

        // Act
        await host.Service.UpdateChunkingAsync(kb.Id, chunkSize: 150, chunkOverlap: 30);
        await host.Service.WaitForIndexingAsync(kb.Id, Timeout);

        // Assert
        var after = (await host.Service.ListDocumentsAsync(kb.Id))[0];
        Assert.Equal(DocumentState.Ready, after.State);
        Assert.True(after.ChunkCount > before, $"{before} -> {after.ChunkCount}");
    }

    [Fact]
    public async Task SearchPlaygroundAsync_Question_ReturnsKeywordVectorScoresAndFusedRanks()
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator);
        var kbId = await host.Service.EnsureSampleAsync();
        await host.Service.WaitForIndexingAsync(kbId, Timeout);

        // Act
        var result = await host.Service.SearchPlaygroundAsync(kbId, "how long is my gift card valid", topK: 5);

        // Assert
        Assert.Equal(5, result.Hits.Count);
        Assert.Equal("gift-cards.md", result.Hits[0].Chunk.DocumentName);
        Assert.Equal([1, 2, 3, 4, 5], result.Hits.Select(h => h.Rank));
        Assert.All(result.Hits, h => Assert.NotNull(h.KeywordScore));
        Assert.All(result.Hits, h => Assert.InRange(h.VectorScore!.Value, 0, 1));
        Assert.True(result.Version > 1);
    }

    [Theory, BothDatabases]
    public async Task SearchAsync_SecondServiceOnSameDatabase_SeesChangeAfterInvalidation(DatabaseProvider provider)
    {
        // Arrange: two instances share the database and the invalidation channel (the cache helper carries it over Redis)
        var invalidation = new RecordingInvalidation();
        await using var database = await TestDatabase.CreateAsync(provider, "Pooling=False");
        await using var a = await KnowledgeTestHost.StartAsync(fixture.Generator, invalidation, database);
        await using var b = await KnowledgeTestHost.StartAsync(fixture.Generator, invalidation, database);
        var kb = await a.Service.CreateAsync("Shop");
        await a.Service.AddDocumentAsync(kb.Id, "a.md", "# Hours\n\nWe open at 9.");
        await a.Service.WaitForIndexingAsync(kb.Id, Timeout);
        var seenByB = await b.Service.GetVersionAsync(kb.Id);

        // Act
        await a.Service.AddDocumentAsync(kb.Id, "b.md", "# Parking\n\nFree parking behind the shop.");
        await a.Service.WaitForIndexingAsync(kb.Id, Timeout);

        // Assert
        Assert.True(await b.Service.GetVersionAsync(kb.Id) > seenByB);
        var hits = await b.Service.SearchAsync(kb.Id, "parking", new SearchOptions(Mode: SearchMode.Keyword));
        Assert.Equal("b.md", Assert.Single(hits).Chunk.DocumentName);
    }

    [Theory, BothDatabases]
    public async Task SearchAsync_SecondServiceMissedTheChangeNotice_SeesTheChangeOnceItHearsAgainAndKeepsUnchangedIndexes(DatabaseProvider provider)
    {
        // Arrange: B listens on a channel of its own, so A's notices never reach it (as while Redis was away from B)
        var heardByA = new RecordingInvalidation();
        var heardByB = new RecordingInvalidation();
        await using var database = await TestDatabase.CreateAsync(provider, "Pooling=False");
        await using var a = await KnowledgeTestHost.StartAsync(fixture.Generator, heardByA, database);
        await using var b = await KnowledgeTestHost.StartAsync(fixture.Generator, heardByB, database);
        var changed = await a.Service.CreateAsync("Shop");
        var unchanged = await a.Service.CreateAsync("Staff");
        await a.Service.AddDocumentAsync(changed.Id, "a.md", "# Hours\n\nWe open at 9.");
        await a.Service.AddDocumentAsync(unchanged.Id, "rota.md", "# Rota\n\nShifts start at 8.");
        await a.Service.WaitForIndexingAsync(changed.Id, Timeout);
        await a.Service.WaitForIndexingAsync(unchanged.Id, Timeout);
        var seenByB = await b.Service.GetVersionAsync(changed.Id);
        var unchangedIndex = await b.Service.GetIndexSnapshotAsync(unchanged.Id);
        await a.Service.AddDocumentAsync(changed.Id, "b.md", "# Parking\n\nFree parking behind the shop.");
        await a.Service.WaitForIndexingAsync(changed.Id, Timeout);
        var beforeCatchingUp = await b.Service.GetVersionAsync(changed.Id);

        // Act
        await heardByB.HearAgainAfterInterruptionAsync();

        // Assert
        Assert.Equal(seenByB, beforeCatchingUp);
        Assert.True(await b.Service.GetVersionAsync(changed.Id) > seenByB);
        var hits = await b.Service.SearchAsync(changed.Id, "parking", new SearchOptions(Mode: SearchMode.Keyword));
        Assert.Equal("b.md", Assert.Single(hits).Chunk.DocumentName);
        Assert.Same(unchangedIndex, await b.Service.GetIndexSnapshotAsync(unchanged.Id));
    }

    [Theory, BothDatabases]
    public async Task StopAsync_WhileADocumentIsEmbedded_LeavesItPendingAndTheNextStartIndexesIt(DatabaseProvider provider)
    {
        // Arrange: an embedding call that waits, then fails as a dependency disposed at shutdown would.
        await using var database = await TestDatabase.CreateAsync(provider, "Pooling=False");
        var blocking = new BlockingEmbeddings();
        await using var first = await KnowledgeTestHost.StartAsync(blocking, database: database);
        var kbId = (await first.Service.CreateAsync("Stop test")).Id;
        var docId = (await first.Service.AddDocumentAsync(kbId, "returns.md", "You can return any item within 30 days of delivery.")).Id;
        await blocking.Entered.Task.WaitAsync(Timeout);

        // Act: the host stops while the document is being embedded; later a new host starts on the same database.
        var stopping = first.Service.StopAsync();
        blocking.Release.SetException(new ObjectDisposedException("IServiceProvider"));
        await stopping.WaitAsync(Timeout);
        var afterStop = (await first.Service.ListDocumentsAsync(kbId)).Single(d => d.Id == docId);
        await using var second = await KnowledgeTestHost.StartAsync(fixture.Generator, database: database);
        await second.Service.StartAsync(Timeout);
        await second.Service.WaitForIndexingAsync(kbId, Timeout);
        var afterRestart = (await second.Service.ListDocumentsAsync(kbId)).Single(d => d.Id == docId);

        // Assert
        Assert.NotEqual(DocumentState.Failed, afterStop.State);
        Assert.Null(afterStop.Error);
        Assert.Equal(DocumentState.Ready, afterRestart.State);
    }

    [Theory, BothDatabases]
    public async Task IndexDocument_TwoInstances_TheOneHoldingTheDocumentIndexesItAndTheOtherLeavesItAlone(DatabaseProvider provider)
    {
        // Arrange: A holds the document (its embedding waits); B starts meanwhile, as a second instance would, and finds it.
        await using var database = await TestDatabase.CreateAsync(provider, "Pooling=False");
        var held = new GatedEmbeddings(fixture.Generator);
        var counted = new GatedEmbeddings(fixture.Generator);
        counted.Open.SetResult();
        await using var a = await KnowledgeTestHost.StartAsync(held, database: database);
        await using var b = await KnowledgeTestHost.StartAsync(counted, database: database);
        var kb = await a.Service.CreateAsync("Shared");
        var doc = await a.Service.AddDocumentAsync(kb.Id, "returns.md", "# Returns\n\nReturn any item within 30 days of delivery.\n\n# Refunds\n\nRefunds take five days.");
        await held.Entered.Task.WaitAsync(Timeout);

        // Act
        await b.Service.StartAsync(Timeout);
        var seenByB = (await b.Service.ListDocumentsAsync(kb.Id)).Single();
        held.Open.SetResult();
        await b.Service.WaitForIndexingAsync(kb.Id, Timeout);

        // Assert
        Assert.Equal(DocumentState.Indexing, seenByB.State);
        Assert.Equal(0, counted.Calls);
        await using var db = await a.Provider.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        var stored = await db.KnowledgeDocuments.SingleAsync(d => d.Id == doc.Id);
        var ordinals = await db.KnowledgeChunks.Where(c => c.DocumentId == doc.Id).Select(c => c.Ordinal).ToListAsync();
        Assert.Equal(DocumentState.Ready, stored.State);
        Assert.Null(stored.LeaseOwner);
        Assert.Equal(stored.ChunkCount, ordinals.Count);
        Assert.Equal(ordinals.Distinct().Count(), ordinals.Count);
    }

    [Theory, BothDatabases]
    public async Task IndexDocument_HolderStallsPastItsLease_AnotherInstanceTakesItOverAndTheLateWriteIsDropped(DatabaseProvider provider)
    {
        // Arrange: a 1 s lease; A's embedding stalls after A has taken the document (as a frozen or cut-off instance would)
        await using var database = await TestDatabase.CreateAsync(provider, "Pooling=False");
        var stalled = new GatedEmbeddings(fixture.Generator);
        await using var a = await KnowledgeTestHost.StartAsync(stalled, database: database, options: o => o.IndexingLease = TimeSpan.FromSeconds(1));
        var kb = await a.Service.CreateAsync("Shared");
        var doc = await a.Service.AddDocumentAsync(kb.Id, "hours.md", "# Hours\n\nWe open at nine and close at six.");
        await stalled.Entered.Task.WaitAsync(Timeout);
        var readyOnA = false;
        using var watchA = a.Service.SubscribeProgress(p => readyOnA |= p.State == DocumentState.Ready);

        // Act: B starts while A stalls; its sweep finds the lease run out and indexes the document itself
        await using var b = await KnowledgeTestHost.StartAsync(fixture.Generator, database: database, options: o => o.IndexingLease = TimeSpan.FromSeconds(1));
        await b.Service.StartAsync(Timeout);
        await b.Service.WaitForIndexingAsync(kb.Id, Timeout);
        stalled.Open.SetResult();
        await Eventually.WaitUntilAsync(() => Task.FromResult(stalled.Returned), TimeSpan.FromMinutes(1), "A's stalled embedding call to return");
        await a.Service.StopAsync();

        // Assert
        Assert.False(readyOnA);
        await using var db = await b.Provider.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        var stored = await db.KnowledgeDocuments.SingleAsync(d => d.Id == doc.Id);
        Assert.Equal(DocumentState.Ready, stored.State);
        Assert.Equal(stored.ChunkCount, await db.KnowledgeChunks.CountAsync(c => c.DocumentId == doc.Id));
        Assert.Single(await b.Service.SearchAsync(kb.Id, "when do you open", new SearchOptions(Mode: SearchMode.Keyword)));
    }

    [Fact]
    public async Task IndexDocument_LongDocument_ProgressIsReadableFromAnotherInstance()
    {
        // Arrange: a document of more than one embedding batch; A's second batch waits
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, "Pooling=False");
        var gated = new GatedEmbeddings(fixture.Generator, passFirst: 1);
        await using var a = await KnowledgeTestHost.StartAsync(gated, database: database);
        await using var b = await KnowledgeTestHost.StartAsync(fixture.Generator, database: database);
        var kb = await a.Service.CreateAsync("Long", chunkSize: 100, chunkOverlap: 0);
        var text = string.Join("\n\n", Enumerable.Range(1, 60).Select(i => $"Paragraph {i} says something about topic number {i} and a little more."));
        await a.Service.AddDocumentAsync(kb.Id, "long.md", text);
        await gated.Entered.Task.WaitAsync(Timeout);

        // Act
        KnowledgeDocumentSummary? seenByB = null;
        await Eventually.WaitUntilAsync(async () => (seenByB = (await b.Service.ListDocumentsAsync(kb.Id)).Single()).IndexedChunks > 0,
            TimeSpan.FromMinutes(1), "B to see A's progress");
        gated.Open.SetResult();
        await a.Service.WaitForIndexingAsync(kb.Id, Timeout);

        // Assert
        Assert.Equal(DocumentState.Indexing, seenByB!.State);
        Assert.Equal(32, seenByB.IndexedChunks);
        Assert.True(seenByB.ChunksToIndex > 32, $"{seenByB.ChunksToIndex} chunks");
        Assert.InRange(seenByB.Fraction, 0.01, 0.99);
    }

    [Fact]
    public async Task GetFirstIndexing_NewBaseUntilItsDocumentsAreAllIndexed_ThenNotForDocumentsAddedLater()
    {
        // Arrange
        var gated = new GatedEmbeddings(fixture.Generator);
        await using var host = await KnowledgeTestHost.StartAsync(gated);
        var kb = await host.Service.CreateAsync("New");
        var empty = await host.Service.GetFirstIndexingAsync(kb.Id);
        await host.Service.AddDocumentAsync(kb.Id, "a.md", "# Hours\n\nWe open at nine.");
        await gated.Entered.Task.WaitAsync(Timeout);
        await host.Service.AddDocumentAsync(kb.Id, "b.md", "# Parking\n\nFree parking behind the shop.");

        // Act
        var during = await host.Service.GetFirstIndexingAsync(kb.Id);
        gated.Open.SetResult();
        await host.Service.WaitForIndexingAsync(kb.Id, Timeout);
        var after = await host.Service.GetFirstIndexingAsync(kb.Id);
        await host.Service.AddDocumentAsync(kb.Id, "c.md", "# Returns\n\nReturn any item within 30 days.");
        var laterAddition = await host.Service.GetFirstIndexingAsync(kb.Id);

        // Assert
        Assert.Null(empty);
        Assert.Equal(new FirstIndexing(kb.Id, "New", 0, 2), during);
        Assert.Equal("The knowledge base is still being indexed (0 of 2 documents ready). Try again in a few seconds.", during!.Message);
        Assert.Null(after);
        Assert.Null(laterAddition);
    }

    [Fact]
    public async Task HoldIndexing_SeveralDocumentsAdded_NoneIndexedUntilTheHoldEndsAndTheFirstIndexingCoversAll()
    {
        // Arrange
        await using var host = await KnowledgeTestHost.StartAsync(fixture.Generator);
        var kb = await host.Service.CreateAsync("Batch");

        // Act
        FirstIndexing? held;
        using (host.Service.HoldIndexing(kb.Id))
        {
            await host.Service.AddDocumentAsync(kb.Id, "a.md", "# Hours\n\nWe open at nine.");
            await host.Service.AddDocumentAsync(kb.Id, "b.md", "# Parking\n\nFree parking behind the shop.");
            held = await host.Service.GetFirstIndexingAsync(kb.Id);
        }
        await host.Service.WaitForIndexingAsync(kb.Id, Timeout);

        // Assert: while held, both wait (none was indexed); afterwards both are, and the first indexing is over
        Assert.Equal(new FirstIndexing(kb.Id, "Batch", 0, 2), held);
        Assert.All(await host.Service.ListDocumentsAsync(kb.Id), d => Assert.Equal(DocumentState.Ready, d.State));
        Assert.Null(await host.Service.GetFirstIndexingAsync(kb.Id));
    }

    /// <summary>Lets <c>passFirst</c> calls through to the real model, then holds the next ones until <see cref="Open"/>
    /// completes; counts calls.</summary>
    private sealed class GatedEmbeddings(Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>> inner, int passFirst = 0)
        : Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>
    {
        private int _calls;
        private volatile bool _returned;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls => Volatile.Read(ref _calls);

        /// <summary>A held call has returned (after <see cref="Open"/>).</summary>
        public bool Returned => _returned;

        public async Task<Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>> GenerateAsync(
            IEnumerable<string> values, Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) > passFirst && !Open.Task.IsCompleted)
            {
                Entered.TrySetResult();
                await Open.Task.WaitAsync(cancellationToken);
                var result = await inner.GenerateAsync(values, options, cancellationToken);
                _returned = true;
                return result;
            }
            return await inner.GenerateAsync(values, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class BlockingEmbeddings : Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>> GenerateAsync(
            IEnumerable<string> values, Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Release.Task;
            throw new InvalidOperationException("unreachable: Release only ever fails");
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
