using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;
using WorkflowStudio.Hosting;
using WorkflowStudio.Tests.Api;
using WorkflowTesting;
using Xunit.Abstractions;

namespace WorkflowStudio.Tests.Hosting;

/// <summary><c>copy-database</c> from a real SQLite studio file into a real PostgreSQL database, and a studio started on the
/// copy.</summary>
public sealed class CopyDatabaseCommandTests(ITestOutputHelper log)
{
    private const string AdminEmail = "admin@copy.example";
    private const string AdminPassword = "Copy-Admin-1";
    private const string ProviderSecret = "sk-copied-secret-7f6e5d4c";

    [Fact]
    public async Task CopyDatabase_FilledSqliteStudio_EveryRowCopiedUsableOnPostgreSqlAndASecondCopyAddsNothing()
    {
        // Arrange: a studio on SQLite with every kind of row, made through its own API and start-up (the sample knowledge base
        // indexed with vectors, the sample bot, the administrator and the roles)
        var folder = Directory.CreateTempSubdirectory("copy-db-").FullName;
        var file = Path.Combine(folder, "studio.db");
        await using var provider = await FakeOpenAiServer.StartAsync();
        provider.RequiredApiKey = ProviderSecret;
        provider.Answer = "Answered by the copied provider.";
        string workflowId, runKey, providerWorkflowId;
        await using (var sqlite = await ApiServer.StartAsync(redis: null, StudioSettings(new() { ["ConnectionStrings:Studio"] = $"Data Source={file}" })))
        {
            workflowId = await sqlite.CreateFaqBotAsync("Copied bot");
            using var admin = sqlite.Admin();
            using (var saved = await SaveAsync(admin, workflowId, "Second version", ifMatch: 1))
            {
                Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
            }
            (_, runKey) = await sqlite.CreateKeyAsync(workflowId);
            using var withKey = sqlite.Client(runKey);
            foreach (var query in new[] { "How do I return an item?", "Do you ship abroad?" })
            {
                using var run = await withKey.PostAsJsonAsync($"api/workflows/{workflowId}/run", new { query });
                Assert.Equal(HttpStatusCode.OK, run.StatusCode);
            }
            providerWorkflowId = await CreateWorkflowWithProviderKeyAsync(admin, provider.BaseUrl);
            await WaitForRunsAsync(sqlite.Studio.Services, 2);
        }
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSQL);
        var source = $"Data Source={file}";

        // Act
        var first = await CopyAsync("--from", file, "--to", database.Settings.ConnectionString, "--batch-size", "10");
        var second = await CopyAsync("--from", source, "--to", database.Settings.ConnectionString);
        var sourceCounts = await CountRowsAsync(StudioDatabaseSettings.Sqlite(source));
        var targetCounts = await CountRowsAsync(database.Settings);
        log.WriteLine(first.Output + second.Output);

        // Assert: every table holds on PostgreSQL what it held on SQLite, after either copy
        Assert.True(first.Code == 0, first.Error);
        Assert.True(second.Code == 0, second.Error);
        Assert.Empty(first.Error);
        Assert.Contains("Copied ", first.Output);
        Assert.Contains("KnowledgeChunks", first.Output);
        Assert.DoesNotContain("holds no Data Protection key", first.Output);
        Assert.Contains("Nothing copied", second.Output);
        Assert.Equal(sourceCounts, targetCounts);
        foreach (var table in new[] { "Workflows", "WorkflowVersions", "KnowledgeBases", "KnowledgeDocuments", "KnowledgeChunks", "LlmProviders", "ApiKeys", "Runs", "AspNetUsers", "AspNetRoles", "AspNetUserRoles", "DataProtectionKeys" })
        {
            Assert.True(sourceCounts[table] > 0, $"The source studio has no {table}: the test does not cover them.");
        }
        Assert.True(sourceCounts["WorkflowVersions"] >= 3); // the sample's first, ours: first and second

        // Act: a studio started on the copy
        await using var postgres = await ApiServer.StartAsync(redis: null, StudioSettings(new(database.Configuration)));
        using var onPostgres = postgres.Admin();
        using var read = await onPostgres.GetAsync($"api/workflows/{workflowId}");
        var document = JsonNode.Parse(await read.Content.ReadAsStringAsync())!;
        using var keyClient = postgres.Client(runKey);
        using var runWithKey = await keyClient.PostAsJsonAsync($"api/workflows/{workflowId}/run", new { query = "How do I return an item?" });
        var hits = await postgres.Studio.Services.GetRequiredService<KnowledgeBaseService>()
            .SearchAsync(SampleKnowledgeBase.Id, "return an item for a refund", new SearchOptions(TopK: 3, Mode: SearchMode.Vector));
        var chunkIdsAfterStart = await ChunkIdsAsync(database.Settings);
        var sourceChunkIds = await ChunkIdsAsync(StudioDatabaseSettings.Sqlite(source));
        bool passwordAccepted;
        await using (var scope = postgres.Studio.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>();
            passwordAccepted = await users.CheckPasswordAsync((await users.FindByEmailAsync(AdminEmail))!, AdminPassword);
        }

        // Assert: the data is there and works: the saved versions, the run key, the copied vectors (not re-indexed), the account
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("Second version", document["description"]!.GetValue<string>());
        Assert.Equal(2, document["version"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, runWithKey.StatusCode);
        Assert.NotEmpty(hits);
        Assert.Equal(sourceChunkIds, chunkIdsAfterStart);
        Assert.True(passwordAccepted);

        // Act: new rows in every table with a generated key (versions, chunks) after the copied ones
        using var savedOnPostgres = await SaveAsync(onPostgres, workflowId, "Third version", ifMatch: 2);
        using var knowledgeBase = await onPostgres.PostAsJsonAsync("api/knowledge-bases", new { name = "Added after the copy" });
        var knowledgeBaseId = (await ApiServer.ReadAsync(knowledgeBase)).GetProperty("id").GetString()!;
        using var added = await onPostgres.PostAsJsonAsync($"api/knowledge-bases/{knowledgeBaseId}/documents",
            new { name = "gift-wrap.md", text = "# Gift wrap\n\nEvery order can be gift wrapped for two euros." });
        using var runOnPostgres = await onPostgres.PostAsJsonAsync($"api/workflows/{workflowId}/run", new { query = "Do you gift wrap?" });
        using var runWithProvider = await onPostgres.PostAsJsonAsync($"api/workflows/{providerWorkflowId}/run", new { query = "Which payment methods do you accept?" });
        var afterInserts = sourceCounts;
        await Eventually.WaitUntilAsync(async () =>
        {
            // The run is recorded, and the document indexed, in the background.
            afterInserts = await CountRowsAsync(database.Settings);
            return afterInserts["Runs"] >= sourceCounts["Runs"] + 3 && afterInserts["KnowledgeChunks"] > sourceCounts["KnowledgeChunks"];
        }, TimeSpan.FromSeconds(30), "the run recorded and the document indexed on PostgreSQL");

        // Assert
        Assert.Equal(HttpStatusCode.OK, savedOnPostgres.StatusCode);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(HttpStatusCode.OK, runOnPostgres.StatusCode);
        Assert.Equal(sourceCounts["WorkflowVersions"] + 1, afterInserts["WorkflowVersions"]);
        Assert.True(afterInserts["KnowledgeChunks"] > sourceCounts["KnowledgeChunks"]);

        // Assert: the provider's key arrived as the same ciphertext, and the key ring came with it: the studio on PostgreSQL
        // decrypts the key and sends it to the provider.
        Assert.Equal(await ProviderKeysAsync(StudioDatabaseSettings.Sqlite(source)), await ProviderKeysAsync(database.Settings));
        Assert.Equal(HttpStatusCode.OK, runWithProvider.StatusCode);
        Assert.Equal(provider.Answer, (await ApiServer.ReadAsync(runWithProvider)).GetProperty("answer").GetString());
        Assert.Equal(ProviderSecret, Assert.Single(provider.ChatRequests).ApiKey);
        Assert.Empty(postgres.Studio.Problems);
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task CopyDatabase_SourceFileMissing_OneLineErrorAndExitCode1()
    {
        // Arrange
        var missing = Path.Combine(Path.GetTempPath(), $"no-studio-{Guid.NewGuid():n}.db");

        // Act
        var result = await CopyAsync("--from", missing, "--to", "Host=127.0.0.1;Database=studio;Username=studio");

        // Assert
        Assert.Equal(CopyDatabaseCommand.Failed, result.Code);
        Assert.Equal($"copy-database: The source database {missing} does not exist.", result.Error.Trim());
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public async Task CopyDatabase_SourceIsNoStudioDatabase_OneLineErrorForASqliteFileAndForAnyOtherFile()
    {
        // Arrange: a SQLite file with a table of someone else's, and a text file
        await using var folder = new TempFolder();
        var otherSqlite = Path.Combine(folder.Path, "other.db");
        await using (var connection = new SqliteConnection($"Data Source={otherSqlite};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = new SqliteCommand("CREATE TABLE Notes (Id INTEGER PRIMARY KEY, Text TEXT)", connection);
            await command.ExecuteNonQueryAsync();
        }
        var text = Path.Combine(folder.Path, "notes.db");
        await File.WriteAllTextAsync(text, "These are notes, not a database. They are long enough to fill a SQLite header and then some more.");
        await using var database = await PostgresServer.CreateDatabaseAsync();

        // Act
        var sqlite = await CopyAsync("--from", otherSqlite, "--to", database.ConnectionString);
        var notSqlite = await CopyAsync("--from", text, "--to", database.ConnectionString);

        // Assert
        Assert.Equal(CopyDatabaseCommand.Failed, sqlite.Code);
        Assert.Equal($"copy-database: {otherSqlite} is not a studio database (it has no StudioDbContext migrations).", sqlite.Error.Trim());
        Assert.Equal(CopyDatabaseCommand.Failed, notSqlite.Code);
        Assert.Equal("copy-database: The source is not a studio database (not a SQLite file).", notSqlite.Error.Trim());
    }

    [Fact]
    public async Task CopyDatabase_TargetUnreachable_OneLineErrorAndExitCode1()
    {
        // Arrange: a studio database, and a port nobody listens on
        await using var folder = new TempFolder();
        var file = await NewStudioFileAsync(folder);
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        // Act
        var result = await CopyAsync("--from", file, "--to", $"Host=127.0.0.1;Port={port};Database=studio;Username=studio;Password=secret;Timeout=5");

        // Assert
        Assert.Equal(CopyDatabaseCommand.Failed, result.Code);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("copy-database: The target PostgreSQL server cannot be reached:", line);
        Assert.DoesNotContain("secret", result.Output + result.Error);
    }

    [Fact]
    public async Task CopyDatabase_WrongPassword_OneLineErrorNamingTheSignInAndExitCode1()
    {
        // Arrange
        await using var folder = new TempFolder();
        var file = await NewStudioFileAsync(folder);
        var server = await PostgresServer.SharedAsync();
        var role = $"copier_{Guid.NewGuid():n}"[..20];
        await server.CreatePasswordRoleAsync(role, "right-password");
        var target = new NpgsqlConnectionStringBuilder { Host = server.Host, Port = server.Port, Database = "postgres", Username = role, Password = "wrong-password" };

        // Act
        var result = await CopyAsync("--from", file, "--to", target.ConnectionString);

        // Assert
        Assert.Equal(CopyDatabaseCommand.Failed, result.Code);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("copy-database: PostgreSQL refused the sign-in:", line);
        Assert.Contains(role, line);
        Assert.DoesNotContain("wrong-password", result.Output + result.Error);
    }

    [Fact]
    public async Task CopyDatabase_EmptyStudioIntoNewDatabase_TargetMigratedAndLeftUnseeded()
    {
        // Arrange
        await using var folder = new TempFolder();
        var file = await NewStudioFileAsync(folder);
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSQL);

        // Act: as on a terminal
        var result = await CopyAsync(["--from", file, "--to", database.Settings.ConnectionString], interactive: true);
        var counts = await CountRowsAsync(database.Settings);

        // Assert: the schema is there (every table counted), with no row: a studio starting on it next finds it not new
        Assert.True(result.Code == 0, result.Error);
        Assert.Contains("Copied 0 rows", result.Output);
        Assert.Contains("The source holds no Data Protection key", result.Output); // no studio has ever started on this file
        var tableLines = result.Output.Split(Environment.NewLine).Where(l => l.StartsWith('\r')).ToList();
        Assert.Equal(counts.Count, tableLines.Count);
        Assert.All(tableLines, l => Assert.Matches(@"^\r\w+ +\d+/\d+\r\w+ +0 copied *$", l)); // progress, then overwritten by the result
        Assert.NotEmpty(counts);
        Assert.All(counts, c => Assert.Equal(0, c.Value));
    }

    [Fact]
    public async Task CopyDatabase_TargetAStudioHasStartedOn_RefusedBeforeCopyingAnything()
    {
        // Arrange: the usual slip with the compose file: the PostgreSQL studios started (and seeded) before the copy
        await using var folder = new TempFolder();
        var file = await NewStudioFileAsync(folder);
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSQL);
        var studio = await StudioServer.StartAsync(database.Configuration);
        await studio.DisposeAsync();
        var before = await CountRowsAsync(database.Settings);

        // Act
        var result = await CopyAsync("--from", file, "--to", database.Settings.ConnectionString);

        // Assert
        Assert.Equal(CopyDatabaseCommand.Failed, result.Code);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("copy-database: The target already holds ", line);
        Assert.Contains("Copy into a new, empty database", line);
        Assert.Equal(before, await CountRowsAsync(database.Settings));
    }

    [Fact]
    public async Task StudioBinary_CopyDatabaseVerb_RunsTheCommandInsteadOfTheStudio()
    {
        // Arrange: the studio's own entry point, as the Docker image runs it
        var missing = Path.Combine(Path.GetTempPath(), $"no-studio-{Guid.NewGuid():n}.db");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "WorkflowStudio.dll"), "copy-database", "--from", missing })
        {
            info.ArgumentList.Add(arg);
        }

        // Act
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        // Assert
        Assert.Equal(CopyDatabaseCommand.Failed, process.ExitCode);
        Assert.Equal($"copy-database: The source database {missing} does not exist.", (await error).Trim());
        Assert.Equal("", (await output).Trim());
    }

    [Fact]
    public async Task CopyDatabase_HelpAndBadOptions_HelpTextAndUsageErrors()
    {
        // Act
        var help = await CopyAsync("--help");
        var unknown = await CopyAsync("--from", "studio.db", "--into", "Host=db");
        var noFrom = await CopyAsync("--to", "Host=db");
        var badBatch = await CopyAsync("--from", "studio.db", "--batch-size", "0");

        // Assert
        Assert.Equal(0, help.Code);
        Assert.Contains("Usage: WorkflowStudio copy-database --from <sqlite>", help.Output);
        Assert.Equal((CopyDatabaseCommand.Usage, "copy-database: unknown option --into (copy-database --help shows the options)"), (unknown.Code, unknown.Error.Trim()));
        Assert.Equal(CopyDatabaseCommand.Usage, noFrom.Code);
        Assert.Contains("--from is required", noFrom.Error);
        Assert.Equal(CopyDatabaseCommand.Usage, badBatch.Code);
        Assert.Contains("--batch-size", badBatch.Error);
    }

    private static Dictionary<string, string?> StudioSettings(Dictionary<string, string?> settings)
    {
        settings["Studio:Admin:Email"] = AdminEmail;
        settings["Studio:Admin:Password"] = AdminPassword;
        return settings;
    }

    private sealed record CommandResult(int Code, string Output, string Error);

    private static Task<CommandResult> CopyAsync(params string[] args) => CopyAsync(args, interactive: false);

    private static async Task<CommandResult> CopyAsync(string[] args, bool interactive)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await new CopyDatabaseCommand(output, error, interactive)
            .RunAsync(args, new ConfigurationBuilder().Build(), AppContext.BaseDirectory);
        return new CommandResult(code, output.ToString(), error.ToString());
    }

    /// <summary>A SQLite file with the studio's and the accounts' migrations applied, and no rows.</summary>
    private static async Task<string> NewStudioFileAsync(TempFolder folder)
    {
        var file = Path.Combine(folder.Path, "studio.db");
        var settings = StudioDatabaseSettings.Sqlite($"Data Source={file};Pooling=False");
        await using var services = new ServiceCollection().AddStudioPersistence(settings).AddAccountsDatabase(settings).BuildServiceProvider();
        await using (var db = await services.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync())
        {
            await StudioDatabase.MigrateAsync(db);
        }
        await using var scope = services.CreateAsyncScope();
        await StudioDatabase.MigrateAsync(scope.ServiceProvider.GetRequiredService<AccountsDbContext>());
        return file;
    }

    /// <summary>Rows in every table of the studio's models (what the copy covers), by table name.</summary>
    private static async Task<SortedDictionary<string, long>> CountRowsAsync(StudioDatabaseSettings settings)
    {
        await using var services = new ServiceCollection().AddStudioPersistence(settings).AddAccountsDatabase(settings).BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        await using var studio = await services.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var db in new DbContext[] { studio, scope.ServiceProvider.GetRequiredService<AccountsDbContext>() })
        {
            await db.Database.OpenConnectionAsync();
            foreach (var table in db.Model.GetRelationalModel().Tables)
            {
                await using var command = db.Database.GetDbConnection().CreateCommand();
                command.CommandText = $"SELECT COUNT(*) FROM \"{table.Name}\"";
                counts[table.Name] = Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            }
            await db.Database.CloseConnectionAsync();
        }
        return counts;
    }

    private static async Task<List<long>> ChunkIdsAsync(StudioDatabaseSettings settings)
    {
        await using var db = await ContextAsync(settings);
        return await db.KnowledgeChunks.OrderBy(c => c.Id).Select(c => c.Id).ToListAsync();
    }

    private static async Task<List<string?>> ProviderKeysAsync(StudioDatabaseSettings settings)
    {
        await using var db = await ContextAsync(settings);
        return await db.LlmProviders.OrderBy(p => p.Id).Select(p => p.EncryptedApiKey).ToListAsync();
    }

    private static async Task<StudioDbContext> ContextAsync(StudioDatabaseSettings settings)
    {
        var services = new ServiceCollection().AddStudioPersistence(settings).BuildServiceProvider();
        return await services.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
    }

    private static async Task WaitForRunsAsync(IServiceProvider services, long count)
    {
        var factory = services.GetRequiredService<IDbContextFactory<StudioDbContext>>();
        await Eventually.WaitUntilAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync();
            return await db.Runs.CountAsync() >= count;
        }, TimeSpan.FromSeconds(30), $"{count} recorded runs");
    }

    private static async Task<HttpResponseMessage> SaveAsync(HttpClient client, string id, string description, int ifMatch)
    {
        var document = JsonNode.Parse(await client.GetStringAsync($"api/workflows/{id}"))!;
        document["description"] = description;
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/workflows/{id}") { Content = ApiServer.Json(document.ToJsonString()) };
        request.Headers.TryAddWithoutValidation("If-Match", $"\"{ifMatch}\"");
        return await client.SendAsync(request);
    }

    /// <summary>A workflow whose llm node names a model server with a key: the studio moves the key into an encrypted
    /// provider row.</summary>
    private static async Task<string> CreateWorkflowWithProviderKeyAsync(HttpClient admin, string baseUrl)
    {
        var graph = SampleWorkflows.FaqBot(SampleKnowledgeBase.Id) with { Name = "Bot with its own provider" };
        var document = JsonNode.Parse(WorkflowJson.Serialize(graph))!;
        var llm = document["nodes"]!.AsArray().Single(n => n!["type"]!.GetValue<string>() == "llm")!;
        llm["settings"]!["baseUrl"] = baseUrl;
        llm["settings"]!["apiKey"] = ProviderSecret;
        llm["settings"]!["model"] = "copied-model";
        using var created = await admin.PostAsync("api/workflows", ApiServer.Json(document.ToJsonString()));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await ApiServer.ReadAsync(created)).GetProperty("id").GetString()!;
    }

    private sealed class TempFolder : IAsyncDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("copy-db-").FullName;

        public ValueTask DisposeAsync()
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(Path, recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}
