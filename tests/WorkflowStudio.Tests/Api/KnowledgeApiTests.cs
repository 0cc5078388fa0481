using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace WorkflowStudio.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class KnowledgeApiTests(ApiFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    [Fact]
    public async Task CreateAddJsonDocumentAndMultipart_IndexedAndListed_ThenDeleted()
    {
        // Arrange
        using var admin = _server.Admin();
        using var created = await admin.PostAsJsonAsync("api/knowledge-bases", new { name = $"KB {Guid.NewGuid():n}" });
        var kbId = (await ApiServer.ReadAsync(created)).GetProperty("id").GetString()!;

        // Act
        using var json = await admin.PostAsJsonAsync($"api/knowledge-bases/{kbId}/documents",
            new { name = "returns.md", text = "# Returns\n\nYou can return any item within 30 days for a full refund." });
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes("# Shipping\n\nWe ship worldwide in 3 to 5 days.")), "files", "shipping.md" } };
        using var multipart = await admin.PostAsync($"api/knowledge-bases/{kbId}/documents", form);
        var jsonDocs = await ApiServer.ReadAsync(json);
        var docId = jsonDocs[0].GetProperty("id").GetString()!;
        var listed = await admin.GetFromJsonAsync<JsonElement>($"api/knowledge-bases/{kbId}/documents");
        var one = await admin.GetFromJsonAsync<JsonElement>($"api/knowledge-bases/{kbId}/documents/{docId}");
        var bases = await admin.GetFromJsonAsync<JsonElement>("api/knowledge-bases");
        using var deleted = await admin.DeleteAsync($"api/knowledge-bases/{kbId}/documents/{docId}");
        using var deletedAgain = await admin.DeleteAsync($"api/knowledge-bases/{kbId}/documents/{docId}");

        // Assert
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Created, json.StatusCode);
        Assert.Equal(HttpStatusCode.Created, multipart.StatusCode);
        Assert.Equal("shipping.md", (await ApiServer.ReadAsync(multipart))[0].GetProperty("name").GetString());
        Assert.Equal(2, listed.GetArrayLength());
        Assert.All(listed.EnumerateArray(), d => Assert.Equal("Ready", d.GetProperty("state").GetString()));
        Assert.True(one.GetProperty("chunkCount").GetInt32() > 0);
        Assert.Contains(bases.EnumerateArray(), b => b.GetProperty("id").GetString() == kbId);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deletedAgain.StatusCode);
    }

    [Fact]
    public async Task Errors_EmptyNameBinaryFileUnknownBase_ClearProblems()
    {
        // Arrange
        using var admin = _server.Admin();
        using var created = await admin.PostAsJsonAsync("api/knowledge-bases", new { name = $"KB {Guid.NewGuid():n}" });
        var kbId = (await ApiServer.ReadAsync(created)).GetProperty("id").GetString()!;

        // Act
        using var noName = await admin.PostAsJsonAsync("api/knowledge-bases", new { name = "" });
        using var form = new MultipartFormDataContent { { new ByteArrayContent([0, 1, 2, 0, 255, 254, 0, 0]), "files", "picture.png" } };
        using var binary = await admin.PostAsync($"api/knowledge-bases/{kbId}/documents", form);
        using var unknown = await admin.PostAsJsonAsync("api/knowledge-bases/nope/documents", new { name = "a.md", text = "text" });

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, noName.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, binary.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace((await ApiServer.ReadAsync(binary)).GetProperty("detail").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
