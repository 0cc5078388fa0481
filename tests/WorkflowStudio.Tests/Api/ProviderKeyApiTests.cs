using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Api;

/// <summary>An API key that arrives inside a workflow document is moved into the encrypted provider store: the document the API
/// returns, the stored JSON and its version history never contain it, and the llm node still sends it to its provider.</summary>
[Collection(ApiCollection.Name)]
public sealed class ProviderKeyApiTests(ApiFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    [Fact]
    public async Task CreateAndRun_DocumentWithInlineApiKey_KeyNeverReturnedNorStoredButUsed()
    {
        // Arrange: a second model server that insists on its own key, named by the llm node together with that key.
        await using var provider = await FakeOpenAiServer.StartAsync();
        const string secret = "sk-inline-secret-9f8e7d6c5b4a";
        provider.RequiredApiKey = secret;
        provider.Answer = "Answered by the node's provider.";
        var graph = SampleWorkflows.FaqBot(SampleKnowledgeBase.Id) with { Name = $"Inline key {Guid.NewGuid():n}" };
        var document = JsonNode.Parse(WorkflowJson.Serialize(graph))!;
        var llm = document["nodes"]!.AsArray().Single(n => n!["type"]!.GetValue<string>() == "llm")!;
        llm["settings"]!["baseUrl"] = provider.BaseUrl;
        llm["settings"]!["apiKey"] = secret;
        llm["settings"]!["model"] = "inline-model";
        using var admin = _server.Admin();

        // Act
        using var created = await admin.PostAsync("api/workflows", ApiServer.Json(document.ToJsonString()));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var returned = await admin.GetStringAsync($"api/workflows/{id}");
        using var run = await admin.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "Which payment methods do you accept for gift cards?" });
        var body = await run.Content.ReadFromJsonAsync<JsonElement>();
        await using var db = await _server.Studio.Services.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        var storedJson = await db.Workflows.Where(w => w.Id == id).Select(w => w.Json).SingleAsync();
        var versionsJson = await db.WorkflowVersions.Where(v => v.WorkflowId == id).Select(v => v.Json).ToListAsync();
        var providerRow = await db.LlmProviders.SingleAsync(p => p.BaseUrl == provider.BaseUrl);

        // Assert
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain(secret, returned);
        Assert.DoesNotContain(secret, storedJson);
        Assert.All(versionsJson, json => Assert.DoesNotContain(secret, json));
        Assert.DoesNotContain(secret, providerRow.EncryptedApiKey);
        Assert.Contains($"\"provider\":\"{providerRow.Id}\"", storedJson.Replace(" ", ""));
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        Assert.Equal("Answered by the node's provider.", body.GetProperty("answer").GetString());
        var request = Assert.Single(provider.ChatRequests);
        Assert.Equal(secret, request.ApiKey);
        Assert.Equal("inline-model", request.Model);
        Assert.DoesNotContain(_server.Studio.Logs, l => l.Message.Contains(secret, StringComparison.Ordinal));
    }
}
