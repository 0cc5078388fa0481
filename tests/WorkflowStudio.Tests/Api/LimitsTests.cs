using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;
using WorkflowStudio.Api;

namespace WorkflowStudio.Tests.Api;

/// <summary>A studio without an admin key and with a tiny rate limit (no Redis: the cache is in-process only).</summary>
public sealed class LimitsTests : IAsyncLifetime
{
    private ApiServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await ApiServer.StartAsync(null, new Dictionary<string, string?> { ["Api:AdminKey"] = null, ["Api:RateLimitPermits"] = "3", ["Api:RateLimitWindowSeconds"] = "60",
            ["Api:FailedKeyPermits"] = "3", ["Api:FailedKeyWindowSeconds"] = "60" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task NoAdminKeyConfigured_ManagementEndpoints404_HealthSaysRedisDisabled()
    {
        // Arrange
        using var client = _server.Client("anything");

        // Act
        using var list = await client.GetAsync("api/workflows");
        using var create = await client.PostAsJsonAsync("api/knowledge-bases", new { name = "x" });
        var health = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("health");

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, list.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, create.StatusCode);
        Assert.Equal("disabled", health.GetProperty("redis").GetString());
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task RunKey_OverRateLimit_429WithRetryAfter_OtherKeyUnaffected()
    {
        // Arrange
        var store = _server.Studio.Services.GetRequiredService<WorkflowStore>();
        var keys = _server.Studio.Services.GetRequiredService<ApiKeyService>();
        var workflow = await store.CreateAsync(SampleWorkflows.FaqBot(SampleKnowledgeBase.Id));
        var first = await keys.CreateAsync(workflow.Id, "first");
        var second = await keys.CreateAsync(workflow.Id, "second");
        using var client = _server.Client(first.Key);
        using var other = _server.Client(second.Key);

        // Act
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 4; i++)
        {
            var response = await client.PostAsJsonAsync($"api/workflows/{workflow.Id}/run", new { query = "How do I return an item?" });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }
        using var otherResponse = await other.PostAsJsonAsync($"api/workflows/{workflow.Id}/run", new { query = "How do I return an item?" });

        // Assert
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.NotNull(limited);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, otherResponse.StatusCode);
        limited.Dispose();
    }

    [Fact]
    public async Task FailedKeyChecks_OverTheLimitFromOneAddress_429EvenForAValidKey_SuccessfulChecksNotCounted()
    {
        // Arrange
        var store = _server.Studio.Services.GetRequiredService<WorkflowStore>();
        var keys = _server.Studio.Services.GetRequiredService<ApiKeyService>();
        var workflow = await store.CreateAsync(SampleWorkflows.FaqBot(SampleKnowledgeBase.Id));
        var valid = await keys.CreateAsync(workflow.Id, "valid");
        var revoked = await keys.CreateAsync(workflow.Id, "revoked");
        await keys.RevokeAsync(workflow.Id, revoked.Id);
        using var client = _server.Client(valid.Key);
        var path = $"api/workflows/{workflow.Id}/run";

        // Act: two good requests, then three failed checks (two guessed keys and a revoked one), then the valid key again.
        var statuses = new List<HttpStatusCode>();
        foreach (var key in new[] { valid.Key, valid.Key, ApiKeyService.KeyPrefix + "guess-1", ApiKeyService.KeyPrefix + "guess-2", revoked.Key })
        {
            using var guess = _server.Client(key);
            using var response = await guess.PostAsJsonAsync(path, new { query = "How do I return an item?" });
            statuses.Add(response.StatusCode);
        }
        using var limited = await client.PostAsJsonAsync(path, new { query = "How do I return an item?" });
        var problem = await ApiServer.ReadAsync(limited);

        // Assert
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("Too many failed key checks", problem.GetProperty("title").GetString());
    }
}
