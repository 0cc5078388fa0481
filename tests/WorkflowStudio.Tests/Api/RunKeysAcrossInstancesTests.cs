using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkflowEngine.Caching;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Api;

/// <summary>Two studio instances on one database (the shared fixture's SQLite file) and one Redis: what one instance changes
/// about run keys holds on the other.</summary>
[Collection(ApiCollection.Name)]
public sealed class RunKeysAcrossInstancesTests(ApiFixture fixture)
{
    private readonly ApiServer _a = fixture.Server;

    [Fact]
    public async Task Run_KeyRevokedOnOtherInstance_RefusedWithinFiveSeconds()
    {
        // Arrange: B shares A's database, Redis and key prefix; B has just accepted the key (and remembers it)
        var prefix = _a.Studio.Services.GetRequiredService<IOptions<EngineCacheOptions>>().Value.KeyPrefix;
        await using var b = await ApiServer.StartAsync(_a.Redis, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Studio"] = $"Data Source={_a.Studio.DatabasePath}",
            ["Engine:Cache:KeyPrefix"] = prefix,
        });
        var id = await _a.CreateFaqBotAsync();
        var (keyId, key) = await _a.CreateKeyAsync(id);
        using var onB = b.Client(key);
        using var acceptedOnB = await onB.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "How do I return an item?" });
        using var admin = _a.Admin();

        // Act
        using var revoke = await admin.DeleteAsync($"api/workflows/{id}/keys/{keyId}");
        HttpStatusCode refused = default;
        await Eventually.WaitUntilAsync(async () =>
        {
            using var response = await onB.PostAsJsonAsync($"api/workflows/{id}/run", new { query = "How do I return an item?" });
            refused = response.StatusCode;
            return refused == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(5), "instance B to refuse the key revoked on A");

        // Assert
        Assert.Equal(HttpStatusCode.OK, acceptedOnB.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused);
    }
}
