using System.Text.Json.Nodes;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Api;

/// <summary>The OpenAPI document is the API's contract: it is versioned in docs/openapi.v1.json (a change is a reviewed diff),
/// lints clean with Redocly's recommended rules, and every answer the API tests receive is checked against it
/// (<see cref="OpenApiContractHandler"/> in <see cref="ApiServer.Client"/>).</summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiContractTests(ApiFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;

    /// <summary>The warnings docs/api.md explains: operations that can answer no 4xx (health checks take no input and no key),
    /// and the stream's token event, which only the stream's description names (OpenAPI 3.1 cannot type an event stream).</summary>
    private static readonly string[] ExplainedWarnings =
    [
        "warn no-unused-components: Component: \"TokenEvent\" is never used. at #/components/schemas/TokenEvent",
        "warn operation-4xx-response: Operation must have at least one `4XX` response. at #/paths/~1health/get/responses",
        "warn operation-4xx-response: Operation must have at least one `4XX` response. at #/paths/~1health~1ready/get/responses",
        "warn operation-4xx-response: Operation must have at least one `4XX` response. at #/paths/~1api~1ping/get/responses",
    ];

    [Fact]
    public async Task ServedDocument_ComparedWithCommittedCopy_IsTheSame()
    {
        // Arrange
        var committedPath = RepositoryFiles.PathOf("docs", "openapi.v1.json");
        using var client = _server.Client();

        // Act
        var served = await client.GetStringAsync("openapi/v1.json");

        // Assert
        var same = File.Exists(committedPath) && JsonNode.DeepEquals(JsonNode.Parse(served), JsonNode.Parse(await File.ReadAllTextAsync(committedPath)));
        if (!same)
        {
            var changed = RepositoryFiles.PathOf("artifacts", "openapi.v1.json");
            Directory.CreateDirectory(Path.GetDirectoryName(changed)!);
            await File.WriteAllTextAsync(changed, JsonNode.Parse(served)!.ToJsonString(new() { WriteIndented = true }) + "\n");
            Assert.Fail($"The served OpenAPI document differs from docs/openapi.v1.json. If the API change is intended, review and copy {changed} to docs/openapi.v1.json.");
        }
    }

    [Fact]
    public async Task ServedDocument_RedoclyRecommendedRules_NoErrorsAndOnlyExplainedWarnings()
    {
        // Arrange
        using var client = _server.Client();
        var path = Path.Combine(Path.GetTempPath(), $"openapi-{Guid.NewGuid():n}.json");
        await File.WriteAllTextAsync(path, await client.GetStringAsync("openapi/v1.json"));

        // Act
        RedoclyCli.LintResult result;
        try
        {
            result = await RedoclyCli.LintAsync(path);
        }
        finally
        {
            File.Delete(path);
        }

        // Assert
        Assert.True(result.Errors == 0, string.Join(Environment.NewLine, result.Problems));
        Assert.Equal(ExplainedWarnings.Order(StringComparer.Ordinal), result.Problems.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ApiReference_Opened_ServesTheInteractiveReferenceOfTheDocumentFromTheStudioItself()
    {
        // Arrange: a plain client, as the page is not part of the API it describes.
        using var client = _server.Studio.CreateClient();

        // Act
        using var page = await client.GetAsync("api/reference/v1");
        var html = await page.Content.ReadAsStringAsync();
        using var script = await client.GetAsync("api/reference/scalar.js");

        // Assert: the page loads its script from the studio (no CDN) and points at the served document.
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script src=\"scalar.js\"", html);
        Assert.Contains("openapi/v1.json", html);
        Assert.DoesNotContain("https://", html);
        Assert.Equal(System.Net.HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000);
    }

    [Fact]
    public void Contract_AnswersOutsideTheDocument_AreReported()
    {
        // Arrange: the checker must catch what it is there to catch, or every API test would pass vacuously.
        var contract = _server.Contract;

        // Act
        var undocumentedStatus = contract.Check("GET", "/api/workflows", 418, "application/json", "[]");
        var wrongBody = contract.Check("GET", "/api/workflows", 200, "application/json; charset=utf-8", "[{\"id\":1}]");
        var wrongContentType = contract.Check("POST", "/api/workflows/x/run", 400, "text/html", "<p>no</p>");
        var undocumentedPath = contract.Check("GET", "/api/nothing-here", 200, "application/json", "{}");
        var good = contract.Check("GET", "/api/ping", 200, "application/json; charset=utf-8", "{\"status\":\"ok\"}");

        // Assert
        Assert.Contains("status 418 is not documented", Assert.Single(undocumentedStatus));
        Assert.Contains("does not match the schema", Assert.Single(wrongBody));
        Assert.Contains("'text/html' is not declared", Assert.Single(wrongContentType));
        Assert.Contains("not in the document", Assert.Single(undocumentedPath));
        Assert.Empty(good);
    }
}
