using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Llm;
using WorkflowEngine.Persistence;
using WorkflowStudio.Providers;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Providers;

/// <summary>The encrypted provider store on a real database (SQLite, and PostgreSQL for the storage cases) with a real Data
/// Protection key ring in a temporary folder. Every host a test starts shares the test's one database.</summary>
public sealed class ModelProviderStoreTests : IAsyncLifetime
{
    private const string Key = "sk-live-0123456789abcdef";
    private readonly string _folder = Directory.CreateTempSubdirectory("providers-").FullName;
    private readonly List<ServiceProvider> _hosts = [];
    private TestDatabase? _database;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Theory, BothDatabases]
    public async Task CreateAsync_WithKey_StoresOnlyCiphertextAndCatalogDecrypts(DatabaseProvider database)
    {
        // Arrange
        var store = await StartAsync(provider: database);

        // Act
        var result = await store.CreateAsync(new ModelProviderInput("OpenAI", "https://api.openai.com/v1", "gpt-4o-mini", Key));
        var row = await RowAsync(result.Provider!.Id);
        var listed = Assert.Single(await store.ListAsync());

        // Assert
        Assert.True(result.Succeeded);
        Assert.NotNull(row.EncryptedApiKey);
        Assert.DoesNotContain(Key, row.EncryptedApiKey);
        Assert.Equal(Key, store.Find(result.Provider.Id)?.ApiKey);
        Assert.Equal("••••cdef", listed.KeyHint);
        Assert.DoesNotContain(Key, JsonSerializer.Serialize(listed));
    }

    [Theory, BothDatabases]
    public async Task LoadAsync_AfterRestartWithTheSameKeyRing_DecryptsTheKey(DatabaseProvider database)
    {
        // Arrange
        var first = await StartAsync(provider: database);
        var id = (await first.CreateAsync(new ModelProviderInput("OpenAI", "https://api.openai.com/v1", null, Key))).Provider!.Id;

        // Act
        var restarted = await StartAsync(provider: database);

        // Assert
        Assert.Equal(Key, restarted.Find(id)?.ApiKey);
        Assert.False(restarted.Find(id)?.KeyUnreadable);
    }

    [Theory, BothDatabases]
    public async Task LoadAsync_AnotherKeyRing_MarksTheKeyUnreadableInsteadOfFailing(DatabaseProvider database)
    {
        // Arrange
        var first = await StartAsync(provider: database);
        var id = (await first.CreateAsync(new ModelProviderInput("OpenAI", "https://api.openai.com/v1", null, Key))).Provider!.Id;

        // Act
        var other = await StartAsync(keyRing: "other-keys", provider: database);
        var listed = Assert.Single(await other.ListAsync());

        // Assert
        Assert.True(other.Find(id)?.KeyUnreadable);
        Assert.Null(other.Find(id)?.ApiKey);
        Assert.True(listed.KeyUnreadable);
    }

    [Theory]
    [InlineData("", "https://api.openai.com/v1", "Give the provider a name")]
    [InlineData("Mine", "api.openai.com", "absolute http or https")]
    [InlineData("Mine", "ftp://host/v1", "absolute http or https")]
    [InlineData("openai", "https://api.openai.com/v1", "already exists")]
    public async Task CreateAsync_InvalidInput_RefusedWithAPlainReason(string name, string url, string expected)
    {
        // Arrange
        var store = await StartAsync();
        await store.CreateAsync(new ModelProviderInput("OpenAI", "https://api.openai.com/v1", null, null));

        // Act
        var result = await store.CreateAsync(new ModelProviderInput(name, url, null, Key));

        // Assert
        Assert.False(result.Succeeded);
        Assert.Contains(expected, result.Error);
        Assert.Single(await store.ListAsync());
    }

    [Theory, BothDatabases]
    public async Task UpdateAsync_NullKeyKeepsIt_EmptyKeyRemovesIt(DatabaseProvider database)
    {
        // Arrange
        var store = await StartAsync(provider: database);
        var id = (await store.CreateAsync(new ModelProviderInput("OpenAI", "https://api.openai.com/v1", null, Key))).Provider!.Id;

        // Act
        var renamed = await store.UpdateAsync(id, new ModelProviderInput("Team OpenAI", "https://api.openai.com/v1", "gpt-4o", null));
        var keyAfterRename = store.Find(id)?.ApiKey;
        var cleared = await store.UpdateAsync(id, new ModelProviderInput("Team OpenAI", "https://api.openai.com/v1", "gpt-4o", ""));

        // Assert
        Assert.Equal("Team OpenAI", renamed.Provider?.Name);
        Assert.Equal(Key, keyAfterRename);
        Assert.False(cleared.Provider?.HasKey);
        Assert.Null(store.Find(id)?.ApiKey);
        Assert.Equal("gpt-4o", store.Find(id)?.Model);
    }

    [Theory]
    [InlineData("https://evil.example.net/v1")]
    [InlineData("https://api.openai.com:8443/v1")]
    [InlineData("http://api.openai.com/v1")]
    public async Task UpdateAsync_SchemeHostOrPortChangedWithoutANewKey_RefusedAndTheKeyStaysWithTheOldUrl(string url)
    {
        // Arrange
        var store = await StartAsync();
        var id = (await store.CreateAsync(new ModelProviderInput("OpenAI", "https://api.openai.com/v1", null, Key))).Provider!.Id;

        // Act
        var moved = await store.UpdateAsync(id, new ModelProviderInput("OpenAI", url, null, null));

        // Assert
        Assert.False(moved.Succeeded);
        Assert.Equal(ModelProviderStore.KeyMustBeEnteredAgainMessage, moved.Error);
        Assert.Equal("https://api.openai.com/v1", store.Find(id)?.BaseUrl);
        Assert.Equal(Key, store.Find(id)?.ApiKey);
    }

    [Theory, BothDatabases]
    public async Task UpdateAsync_PathChangedOnly_KeepsTheKey(DatabaseProvider database)
    {
        // Arrange
        var store = await StartAsync(provider: database);
        var id = (await store.CreateAsync(new ModelProviderInput("OpenAI", "https://api.openai.com/v1", null, Key))).Provider!.Id;

        // Act
        var result = await store.UpdateAsync(id, new ModelProviderInput("OpenAI", "https://API.openai.com:443/v2/", null, null));

        // Assert
        Assert.True(result.Succeeded);
        Assert.Equal(Key, store.Find(id)?.ApiKey);
        Assert.Equal("https://API.openai.com:443/v2/", store.Find(id)?.BaseUrl);
    }

    [Theory, BothDatabases]
    public async Task UpdateAsync_HostChangedWithTheKeyEnteredAgainOrRemoved_Saved(DatabaseProvider database)
    {
        // Arrange
        var store = await StartAsync(provider: database);
        var id = (await store.CreateAsync(new ModelProviderInput("OpenAI", "https://api.openai.com/v1", null, Key))).Provider!.Id;

        // Act
        var withKey = await store.UpdateAsync(id, new ModelProviderInput("OpenAI", "https://proxy.example.com/v1", null, "sk-proxy-0123456789"));
        var keyAfterMove = store.Find(id)?.ApiKey;
        var withoutKey = await store.UpdateAsync(id, new ModelProviderInput("OpenAI", "http://localhost:11434/v1", null, ""));

        // Assert
        Assert.True(withKey.Succeeded);
        Assert.Equal("sk-proxy-0123456789", keyAfterMove);
        Assert.True(withoutKey.Succeeded);
        Assert.Null(store.Find(id)?.ApiKey);
    }

    [Theory, BothDatabases]
    public async Task WorkflowStore_DocumentsWithInlineKeys_KeysMovedIntoOneProviderAndUsageFound(DatabaseProvider database)
    {
        // Arrange
        var store = await StartAsync(provider: database);
        var workflows = _hosts[^1].GetRequiredService<WorkflowStore>();

        // Act
        var a = await workflows.CreateAsync(GraphWithLlm("A", new { baseUrl = "http://models.example:8080/v1", apiKey = Key, model = "m" }));
        var b = await workflows.CreateAsync(GraphWithLlm("B", new { baseUrl = "http://models.example:8080/v1", apiKey = Key }));
        var c = await workflows.CreateAsync(GraphWithLlm("C", new { apiKey = "sk-for-no-url-at-all-1234" })); // no URL anywhere: never sendable
        var provider = Assert.Single(store.All);
        var usedBy = await store.UsedByAsync(provider.Id);

        // Assert
        Assert.Equal(Key, provider.ApiKey);
        Assert.Equal("http://models.example:8080/v1", provider.BaseUrl);
        Assert.Equal(provider.Id, Settings(a).GetProperty("provider").GetString());
        Assert.Equal(provider.Id, Settings(b).GetProperty("provider").GetString());
        Assert.False(Settings(a).TryGetProperty("apiKey", out _));
        Assert.False(Settings(a).TryGetProperty("baseUrl", out _));
        Assert.Equal("m", Settings(a).GetProperty("model").GetString());
        Assert.False(Settings(c).TryGetProperty("apiKey", out _));
        Assert.False(Settings(c).TryGetProperty("provider", out _));
        Assert.Equal(["A", "B"], usedBy);
    }

    [Theory, BothDatabases]
    public async Task BeforeStore_KeyUnderAnotherCasing_IsMovedToo(DatabaseProvider database)
    {
        // Arrange: the engine reads settings case-insensitively, so "ApiKey" would be sent as a key.
        var store = await StartAsync(provider: database);
        var workflows = _hosts[^1].GetRequiredService<WorkflowStore>();

        // Act
        var saved = await workflows.CreateAsync(GraphWithLlm("Cased", new Dictionary<string, string> { ["BaseUrl"] = "http://models.example/v1", ["ApiKey"] = Key }));

        // Assert
        var settings = Settings(saved).GetRawText();
        Assert.DoesNotContain(Key, settings);
        Assert.Equal(store.All.Single().Id, Settings(saved).GetProperty("provider").GetString());
    }

    [Theory, BothDatabases]
    public async Task ProtectStoredWorkflowsAsync_RowsWrittenBeforeTheStoreExisted_KeysMovedOutOfDocumentAndHistory(DatabaseProvider database)
    {
        // Arrange: a document and a version row holding a key in plain text, as written before providers existed.
        var store = await StartAsync(provider: database);
        var json = WorkflowJson.Serialize(GraphWithLlm("Old", new { baseUrl = "http://models.example/v1", apiKey = Key }));
        await using (var db = await _hosts[^1].GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync())
        {
            var entity = new WorkflowEntity { Name = "Old", Json = json, NodeCount = 3, Version = 1 };
            entity.Versions.Add(new WorkflowVersionEntity { WorkflowId = entity.Id, Version = 1, Json = json });
            db.Workflows.Add(entity);
            // And one as the inspector writes it: an empty key, nothing to move.
            db.Workflows.Add(new WorkflowEntity { Name = "Edited", Json = WorkflowJson.Serialize(GraphWithLlm("Edited", new { apiKey = "", model = "m" })), NodeCount = 3 });
            await db.SaveChangesAsync();
        }

        // Act
        var moved = await store.ProtectStoredWorkflowsAsync();
        var movedAgain = await store.ProtectStoredWorkflowsAsync();

        // Assert
        await using var check = await _hosts[^1].GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        Assert.Equal(2, moved);
        Assert.Equal(0, movedAgain);
        Assert.DoesNotContain(Key, (await check.Workflows.SingleAsync(w => w.Name == "Old")).Json);
        Assert.DoesNotContain(Key, (await check.WorkflowVersions.SingleAsync()).Json);
        Assert.Equal(Key, Assert.Single(store.All).ApiKey);
    }

    [Theory, BothDatabases]
    public async Task DeleteAsync_Provider_GoneFromCatalog(DatabaseProvider database)
    {
        // Arrange
        var store = await StartAsync(provider: database);
        var id = (await store.CreateAsync(new ModelProviderInput("OpenAI", "https://api.openai.com/v1", null, Key))).Provider!.Id;
        var changes = 0;
        store.Changed += () => changes++;

        // Act
        var deleted = await store.DeleteAsync(id);

        // Assert
        Assert.True(deleted);
        Assert.Null(store.Find(id));
        Assert.Empty(await store.ListAsync());
        Assert.Equal(1, changes);
    }

    [Theory]
    [InlineData(null, "none")]
    [InlineData("short-key", "set")]
    [InlineData("sk-0123456789abcd", "••••abcd")]
    public void HintFor_Key_ShowsAtMostTheLastFourCharactersOfALongKey(string? key, string expected) =>
        Assert.Equal(expected, ModelProviderStore.HintFor(key));

    private async Task<ModelProviderStore> StartAsync(string keyRing = "keys", DatabaseProvider provider = DatabaseProvider.Sqlite)
    {
        _database ??= await TestDatabase.CreateAsync(provider);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddWorkflowEngine();
        services.AddStudioPersistence(_database.Settings);
        services.AddModelProviders();
        // The studio keeps the ring in its database (AddStudioAccounts); a folder per ring is enough for the store's own tests.
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(_folder, keyRing)));
        var host = services.BuildServiceProvider();
        _hosts.Add(host);
        await using (var db = await host.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync())
        {
            await StudioDatabase.MigrateAsync(db);
        }
        var store = host.GetRequiredService<ModelProviderStore>();
        await store.LoadAsync();
        Assert.Same(store, host.GetRequiredService<ILlmProviderCatalog>());
        return store;
    }

    private async Task<LlmProviderEntity> RowAsync(string id)
    {
        await using var db = await _hosts[^1].GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        return await db.LlmProviders.AsNoTracking().SingleAsync(p => p.Id == id);
    }

    private static WorkflowGraph GraphWithLlm(string name, object settings) => new()
    {
        Name = name,
        Nodes = ImmutableArray.Create(
            new NodeDefinition("start", "start", "Start", NodeDefinition.EmptySettings, NodeCacheSettings.Disabled),
            new NodeDefinition("llm", "llm", "LLM", JsonSerializer.SerializeToElement(settings), NodeCacheSettings.Disabled),
            new NodeDefinition("answer", "answer", "Answer", NodeDefinition.EmptySettings, NodeCacheSettings.Disabled)),
        Edges = [new Edge("start", "llm"), new Edge("llm", "answer")],
    };

    private static JsonElement Settings(StoredWorkflow workflow) => workflow.Graph.FindNode("llm")!.Settings;
}
