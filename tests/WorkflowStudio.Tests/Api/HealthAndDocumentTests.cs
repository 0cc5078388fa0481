using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Knowledge;

namespace WorkflowStudio.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class HealthAndDocumentTests(ApiFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    [Fact]
    public async Task Health_DatabaseAndRedisUp_HealthyWithStates()
    {
        // Arrange
        using var client = _server.Client();

        // Act
        using var response = await client.GetAsync("health");
        var body = await ApiServer.ReadAsync(response);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("connected", body.GetProperty("database").GetString());
        Assert.Equal("connected", body.GetProperty("redis").GetString());
    }

    [Fact]
    public async Task HealthReady_SampleKnowledgeBaseIndexed_ReadyAndLeftOutOfLiveness()
    {
        // Arrange: the fixture waited for readiness through this endpoint.
        using var client = _server.Client();

        // Act
        using var ready = await client.GetAsync("health/ready");
        var readyBody = await ApiServer.ReadAsync(ready);
        var live = await ApiServer.ReadAsync(await client.GetAsync("health"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", readyBody.GetProperty("ready").GetString());
        Assert.False(await _server.Studio.Services.GetRequiredService<KnowledgeBaseService>().IsIndexingAsync(SampleKnowledgeBase.Id));
        Assert.False(live.TryGetProperty("ready", out _));
    }

    [Fact]
    public async Task OpenApi_Document_ListsEveryEndpoint()
    {
        // Arrange
        using var client = _server.Client();

        // Act
        using var response = await client.GetAsync("openapi/v1.json");
        var paths = (await ApiServer.ReadAsync(response)).GetProperty("paths");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var path in new[]
        {
            "/api/workflows", "/api/workflows/{id}", "/api/workflows/{id}/run", "/api/workflows/{id}/run/stream", "/api/workflows/{id}/keys",
            "/api/workflows/{id}/keys/{keyId}", "/api/workflows/{id}/cache", "/api/workflows/{id}/cache/stats", "/api/knowledge-bases",
            "/api/knowledge-bases/{id}/documents", "/api/knowledge-bases/{id}/documents/{docId}",
        })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"missing {path}");
        }
    }

    [Fact]
    public async Task UnknownApiPath_Admin_ProblemDetails404()
    {
        // Arrange
        using var client = _server.Admin();

        // Act
        using var response = await client.GetAsync("api/no-such-thing");

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, (await ApiServer.ReadAsync(response)).GetProperty("status").GetInt32());
    }
}
