using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using WorkflowEngine.Persistence;
using WorkflowStudio.Tests.Api;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Hosting;

/// <summary>The whole studio (its own Program, real Kestrel) on a PostgreSQL database of the test run's server.</summary>
public sealed class PostgreSqlStudioTests
{
    [Fact]
    public async Task Studio_OnPostgreSql_ReadyAndHealthyAndAWorkflowSavedThroughTheApiReadsBackWithItsVersionCheck()
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSQL);
        await using var server = await ApiServer.StartAsync(redis: null, database.Configuration);
        using var admin = server.Admin();

        // Act
        var id = await server.CreateFaqBotAsync("Saved on PostgreSQL");
        var document = JsonNode.Parse(await admin.GetStringAsync($"api/workflows/{id}"))!;
        document["description"] = "Edited on PostgreSQL";
        using var saved = await PutAsync(admin, id, document, ifMatch: 1);
        using var stale = await PutAsync(admin, id, document, ifMatch: 1);
        var readBack = await admin.GetFromJsonAsync<JsonElement>($"api/workflows/{id}");
        using var plain = server.Studio.CreateClient();
        var health = await plain.GetFromJsonAsync<JsonElement>("health");
        using var ready = await plain.GetAsync("health/ready");

        // Assert
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("Saved on PostgreSQL", readBack.GetProperty("name").GetString());
        Assert.Equal("Edited on PostgreSQL", readBack.GetProperty("description").GetString());
        Assert.Equal("connected", health.GetProperty("database").GetString());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(2, await CountAsync(database, """SELECT COUNT(*) FROM "Workflows" """)); // the sample and ours
        Assert.Empty(server.Studio.Problems);
    }

    [Fact]
    public async Task TwoStudios_StartAtOnceOnAnEmptyPostgreSqlDatabase_ExactlyOneMigratesAndSeedsTheSample()
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSQL);

        // Act
        var started = await Task.WhenAll(StudioServer.StartAsync(database.Configuration), StudioServer.StartAsync(database.Configuration));
        await using var a = started[0];
        await using var b = started[1];

        // Assert: each logged the database ready, one of them as new; the sample workflow, the roles and every migration
        // (the studio's and the accounts') are in the database once.
        var ready = started.SelectMany(s => s.Logs).Where(l => l.EventId.Id == 1000).Select(l => l.Message).ToList();
        Assert.Equal(2, ready.Count);
        Assert.Single(ready, m => m.EndsWith("(new: True)", StringComparison.Ordinal));
        Assert.Equal(1, await CountAsync(database, """SELECT COUNT(*) FROM "Workflows" """));
        Assert.Equal(3, await CountAsync(database, """SELECT COUNT(*) FROM "AspNetRoles" """));
        Assert.Equal(typeof(PostgreSqlStudioDbContext).Assembly.GetTypes().Count(IsMigrationOf<PostgreSqlStudioDbContext>),
            await CountAsync(database, """SELECT COUNT(*) FROM "__EFMigrationsHistory" """));
        Assert.Equal(typeof(WorkflowStudio.Accounts.PostgreSqlAccountsDbContext).Assembly.GetTypes().Count(IsMigrationOf<WorkflowStudio.Accounts.PostgreSqlAccountsDbContext>),
            await CountAsync(database, """SELECT COUNT(*) FROM "__AccountsMigrationsHistory" """));
    }

    private static bool IsMigrationOf<TContext>(Type type) =>
        type.IsSubclassOf(typeof(Microsoft.EntityFrameworkCore.Migrations.Migration))
        && type.GetCustomAttributes(typeof(Microsoft.EntityFrameworkCore.Infrastructure.DbContextAttribute), false)
            .Cast<Microsoft.EntityFrameworkCore.Infrastructure.DbContextAttribute>().Any(a => a.ContextType == typeof(TContext));

    private static async Task<HttpResponseMessage> PutAsync(HttpClient client, string id, JsonNode document, int ifMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/workflows/{id}") { Content = ApiServer.Json(document.ToJsonString()) };
        request.Headers.TryAddWithoutValidation("If-Match", $"\"{ifMatch}\"");
        return await client.SendAsync(request);
    }

    private static async Task<long> CountAsync(TestDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.Settings.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
