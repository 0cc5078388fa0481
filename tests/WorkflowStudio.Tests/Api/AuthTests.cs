using System.Net;
using System.Net.Http.Json;

namespace WorkflowStudio.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class AuthTests(ApiFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    [Fact]
    public async Task Run_NoKey_401WithBearerChallenge()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        using var client = _server.Client();

        // Act
        using var response = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "hi" });

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("Authorization", (await ApiServer.ReadAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Run_WrongKey_401()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        using var client = _server.Client("wfs_not-a-real-key");

        // Act
        using var response = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "hi" });

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("The key is not valid.", (await ApiServer.ReadAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Run_RevokedKey_401SayingRevoked()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        var (keyId, key) = await _server.CreateKeyAsync(id);
        using var client = _server.Client(key);
        using var admin = _server.Admin();
        using var before = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "How do I return an item?" });

        // Act
        using var revoke = await admin.DeleteAsync($"api/workflows/{id}/keys/{keyId}");
        using var after = await client.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "How do I return an item?" });
        var keys = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>($"api/workflows/{id}/keys");

        // Assert
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("This key was revoked.", (await ApiServer.ReadAsync(after)).GetProperty("detail").GetString());
        var listed = Assert.Single(keys.EnumerateArray());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, listed.GetProperty("revokedAt").ValueKind);
        Assert.False(listed.TryGetProperty("key", out _));
        Assert.StartsWith(listed.GetProperty("prefix").GetString()!, key);
    }

    [Fact]
    public async Task Run_AnotherWorkflowsKey_403()
    {
        // Arrange
        var mine = await _server.CreateFaqBotAsync();
        var other = await _server.CreateFaqBotAsync();
        var (_, otherKey) = await _server.CreateKeyAsync(other);
        using var client = _server.Client(otherKey);

        // Act
        using var response = await client.PostAsJsonAsync($"api/workflows/{mine}/run", new { query = "hi" });

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("another workflow", (await ApiServer.ReadAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Management_RunKey_403_NoKey_401_WrongKey_401()
    {
        // Arrange
        var id = await _server.CreateFaqBotAsync();
        var (_, key) = await _server.CreateKeyAsync(id);
        using var runKey = _server.Client(key);
        using var none = _server.Client();
        using var wrong = _server.Client("wrong");

        // Act
        using var withRunKey = await runKey.GetAsync("api/workflows");
        using var withNone = await none.GetAsync("api/workflows");
        using var withWrong = await wrong.DeleteAsync($"api/workflows/{id}");

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, withRunKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withNone.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withWrong.StatusCode);
        Assert.Equal("application/problem+json", withRunKey.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Keys_CreateUnknownWorkflow_404_RevokeUnknownKey_404()
    {
        // Arrange
        using var admin = _server.Admin();
        var id = await _server.CreateFaqBotAsync();

        // Act
        using var create = await admin.PostAsJsonAsync("api/workflows/nope/keys", new { name = "x" });
        using var revoke = await admin.DeleteAsync($"api/workflows/{id}/keys/nope");

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, create.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
    }
}
