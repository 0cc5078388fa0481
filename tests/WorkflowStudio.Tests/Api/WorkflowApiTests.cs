using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowTesting;
using WorkflowEngine.Knowledge;

namespace WorkflowStudio.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class WorkflowApiTests(ApiFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    [Fact]
    public async Task Create_ValidDocument_Created201AndListed()
    {
        // Arrange
        using var admin = _server.Admin();
        var name = $"Listed {Guid.NewGuid():n}";

        // Act
        var id = await _server.CreateFaqBotAsync(name);
        var list = await admin.GetFromJsonAsync<JsonElement>("api/workflows");

        // Assert
        var item = list.EnumerateArray().Single(w => w.GetProperty("id").GetString() == id);
        Assert.Equal(name, item.GetProperty("name").GetString());
        Assert.Equal(1, item.GetProperty("version").GetInt32());
        Assert.True(item.TryGetProperty("updatedAt", out _));
        Assert.True(item.TryGetProperty("description", out _));
    }

    [Fact]
    public async Task Create_InvalidGraph_400WithProblemsNamingTheNode()
    {
        // Arrange: the llm node's temperature is out of range.
        using var admin = _server.Admin();
        var document = JsonNode.Parse(WorkflowJson.Serialize(SampleWorkflows.FaqBot(SampleKnowledgeBase.Id)))!;
        var llm = document["nodes"]!.AsArray().First(n => (string?)n!["id"] == "llm")!;
        llm["settings"]!["temperature"] = 9;

        // Act
        using var response = await admin.PostAsync("api/workflows", ApiServer.Json(document.ToJsonString()));
        var body = await ApiServer.ReadAsync(response);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = Assert.Single(body.GetProperty("problems").EnumerateArray());
        Assert.Equal("llm", problem.GetProperty("nodeId").GetString());
        Assert.Contains("emperature", problem.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Create_MalformedJson_400SayingWhere()
    {
        // Arrange
        using var admin = _server.Admin();

        // Act
        using var response = await admin.PostAsync("api/workflows", ApiServer.Json("{ \"name\": \"x\", "));
        var body = await ApiServer.ReadAsync(response);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid JSON", body.GetProperty("detail").GetString());
        Assert.DoesNotContain("   at ", body.ToString());
    }

    [Fact]
    public async Task Create_BodyOverLimit_413NamingTheLimit()
    {
        // Arrange
        using var admin = _server.Admin();
        var huge = new string('x', 1024 * 1024 + 10);

        // Act
        using var response = await admin.PostAsync("api/workflows", ApiServer.Json($"{{\"name\":\"{huge}\"}}"));
        var body = await ApiServer.ReadAsync(response);

        // Assert
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("1,048,576 bytes", body.GetProperty("detail").GetString());
        Assert.Equal(1024 * 1024, body.GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task Get_Existing_DocumentWithIdVersionAndETag()
    {
        // Arrange
        using var admin = _server.Admin();
        var id = await _server.CreateFaqBotAsync();

        // Act
        using var response = await admin.GetAsync($"api/workflows/{id}");
        var body = await ApiServer.ReadAsync(response);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Equal(1, body.GetProperty("version").GetInt32());
        Assert.Equal(7, body.GetProperty("nodes").GetArrayLength());
    }

    [Fact]
    public async Task Get_Unknown_404Problem()
    {
        // Arrange
        using var admin = _server.Admin();

        // Act
        using var response = await admin.GetAsync("api/workflows/nope");
        var body = await ApiServer.ReadAsync(response);

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("nope", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Put_IfMatchCurrent_SavesNextVersion_ThenStaleVersionConflicts()
    {
        // Arrange
        using var admin = _server.Admin();
        var id = await _server.CreateFaqBotAsync();
        var document = JsonNode.Parse(await admin.GetStringAsync($"api/workflows/{id}"))!;
        document["name"] = "Renamed bot";

        // Act
        using var first = new HttpRequestMessage(HttpMethod.Put, $"api/workflows/{id}") { Content = ApiServer.Json(document.ToJsonString()) };
        first.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        using var saved = await admin.SendAsync(first);
        using var stale = new HttpRequestMessage(HttpMethod.Put, $"api/workflows/{id}") { Content = ApiServer.Json(document.ToJsonString()) };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        using var conflict = await admin.SendAsync(stale);
        var conflictBody = await ApiServer.ReadAsync(conflict);

        // Assert
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(2, (await ApiServer.ReadAsync(saved)).GetProperty("version").GetInt32());
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(2, conflictBody.GetProperty("currentVersion").GetInt32());
        Assert.Equal("Renamed bot", (await admin.GetFromJsonAsync<JsonElement>($"api/workflows/{id}")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Put_VersionFieldInDocument_Saves()
    {
        // Arrange
        using var admin = _server.Admin();
        var id = await _server.CreateFaqBotAsync();
        var document = JsonNode.Parse(await admin.GetStringAsync($"api/workflows/{id}"))!;
        document["description"] = "Saved with the version field";

        // Act
        using var response = await admin.PutAsync($"api/workflows/{id}", ApiServer.Json(document.ToJsonString()));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await ApiServer.ReadAsync(response)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task CreateAndPut_ThroughTheApi_VersionsRecordedAsSavedByTheAdminKey()
    {
        // Arrange
        using var admin = _server.Admin();
        var id = await _server.CreateFaqBotAsync();
        var document = JsonNode.Parse(await admin.GetStringAsync($"api/workflows/{id}"))!;
        document["description"] = "Saved by a script";

        // Act
        using var response = await admin.PutAsync($"api/workflows/{id}", ApiServer.Json(document.ToJsonString()));
        var versions = await _server.Studio.Services.GetRequiredService<WorkflowStore>().ListVersionsAsync(id);

        // Assert: the version history in the editor says who saved each version.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([2, 1], versions.Select(v => v.Version));
        Assert.All(versions, v => Assert.Equal("Admin API key", v.SavedBy));
    }

    [Fact]
    public async Task Put_NoVersion_428AndInvalid_400AndUnknown_404()
    {
        // Arrange
        using var admin = _server.Admin();
        var id = await _server.CreateFaqBotAsync();
        var document = JsonNode.Parse(WorkflowJson.Serialize(SampleWorkflows.FaqBot(SampleKnowledgeBase.Id)))!;
        var invalid = document.DeepClone();
        invalid["edges"] = new JsonArray();
        invalid["version"] = 1;
        var versioned = document.DeepClone();
        versioned["version"] = 1;

        // Act
        using var noVersion = await admin.PutAsync($"api/workflows/{id}", ApiServer.Json(document.ToJsonString()));
        using var bad = await admin.PutAsync($"api/workflows/{id}", ApiServer.Json(invalid.ToJsonString()));
        using var unknown = await admin.PutAsync("api/workflows/nope", ApiServer.Json(versioned.ToJsonString()));

        // Assert
        Assert.Equal(HttpStatusCode.PreconditionRequired, noVersion.StatusCode);
        Assert.Contains("If-Match", (await ApiServer.ReadAsync(noVersion)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotEmpty((await ApiServer.ReadAsync(bad)).GetProperty("problems").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Delete_Existing_204ThenGone()
    {
        // Arrange
        using var admin = _server.Admin();
        var id = await _server.CreateFaqBotAsync();

        // Act
        using var deleted = await admin.DeleteAsync($"api/workflows/{id}");
        using var again = await admin.DeleteAsync($"api/workflows/{id}");
        using var get = await admin.GetAsync($"api/workflows/{id}");

        // Assert
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Delete_WorkflowWithRunsAndKeys_DeletesThemAllAndKeepsOtherWorkflows()
    {
        // Arrange: two bots, each run once through the API with a run key.
        var id = await _server.CreateFaqBotAsync();
        var other = await _server.CreateFaqBotAsync();
        var (_, key) = await _server.CreateKeyAsync(id);
        var (_, otherKey) = await _server.CreateKeyAsync(other);
        foreach (var (workflow, runKey) in new[] { (id, key), (other, otherKey) })
        {
            using var runner = _server.Client(runKey);
            using var run = await runner.PostAsJsonAsync($"api/workflows/{workflow}/run", new { query = $"Where is my parcel? {Guid.NewGuid():n}" });
            Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        }
        var dbFactory = _server.Studio.Services.GetRequiredService<IDbContextFactory<StudioDbContext>>();
        async Task<(int Runs, int Keys)> CountAsync(string workflowId)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            return (await db.Runs.CountAsync(r => r.WorkflowId == workflowId), await db.ApiKeys.CountAsync(k => k.WorkflowId == workflowId));
        }
        // Runs are recorded off the request path: wait until both are in the database.
        await Eventually.WaitUntilAsync(async () => (await CountAsync(id)).Runs > 0 && (await CountAsync(other)).Runs > 0,
            TimeSpan.FromSeconds(30), "both runs to be recorded");
        using var admin = _server.Admin();

        // Act
        using var deleted = await admin.DeleteAsync($"api/workflows/{id}");

        // Assert
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal((0, 0), await CountAsync(id));
        Assert.Equal((1, 1), await CountAsync(other));
    }
}
