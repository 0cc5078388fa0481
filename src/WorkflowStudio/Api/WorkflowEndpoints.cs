using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WorkflowEngine.Caching;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Api;

/// <summary>Management of workflows, their cache and their run keys (admin key).</summary>
internal static class WorkflowEndpoints
{
    public static RouteGroupBuilder MapWorkflowManagement(this RouteGroupBuilder group)
    {
        var workflows = group.MapGroup("").WithTags("Workflows");
        workflows.MapGet("/workflows", ListAsync).WithName("listWorkflows").WithSummary("Lists saved workflows.");
        workflows.MapPost("/workflows", CreateAsync).WithName("createWorkflow").WithSummary("Creates a workflow from a document (docs/workflow-format.md).")
            .Accepts<JsonObject>("application/json").Produces<WorkflowSaved>(StatusCodes.Status201Created)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge);
        workflows.MapGet("/workflows/{id}", GetAsync).WithName("getWorkflow").WithSummary("The workflow document, with its id and version (also in the ETag).")
            .Produces<JsonObject>();
        workflows.MapPut("/workflows/{id}", SaveAsync).WithName("saveWorkflow")
            .WithSummary("Saves a new version. The version you edited goes in If-Match (\"3\") or in a top-level 'version' field; 409 when someone saved since.")
            .Accepts<JsonObject>("application/json").Produces<WorkflowSaved>()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status428PreconditionRequired);
        workflows.MapDelete("/workflows/{id}", DeleteAsync).WithName("deleteWorkflow").WithSummary("Deletes a workflow with its versions, recorded runs (and with them its conversations), run keys and cache.")
            .Produces(StatusCodes.Status204NoContent);

        var cache = group.MapGroup("").WithTags("Cache");
        cache.MapGet("/workflows/{id}/cache/stats", CacheStatsAsync).WithName("getCacheStats")
            .WithSummary("Cache hits, misses and time saved, per node, since this instance started.").Produces<CacheStatsResponse>();
        cache.MapDelete("/workflows/{id}/cache", ClearCacheAsync).WithName("clearCache")
            .WithSummary("Clears the workflow's cached results, or one node's with ?nodeId=.").Produces(StatusCodes.Status204NoContent);

        var keys = group.MapGroup("").WithTags("Keys");
        keys.MapGet("/workflows/{id}/keys", ListKeysAsync).WithName("listKeys").WithSummary("Lists run keys (never the keys themselves).")
            .Produces<ApiKeyInfo[]>();
        keys.MapPost("/workflows/{id}/keys", CreateKeyAsync).WithName("createKey").WithSummary("Creates a run key; the key is in the answer this once only.")
            .Accepts<CreateKeyBody>("application/json").Produces<CreatedApiKey>(StatusCodes.Status201Created)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge);
        keys.MapDelete("/workflows/{id}/keys/{keyId}", RevokeKeyAsync).WithName("revokeKey").WithSummary("Revokes a run key.")
            .Produces(StatusCodes.Status204NoContent);
        return group;
    }

    private static async Task<Ok<WorkflowListItem[]>> ListAsync(WorkflowStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.ListAsync(cancellationToken)).Select(w => new WorkflowListItem(w.Id, w.Name, w.Description, w.Version, w.UpdatedAt)).ToArray());

    private static async Task<IResult> CreateAsync(HttpRequest request, WorkflowStore store, GraphValidator validator, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        var (graph, problem) = await ReadGraphAsync(request, validator, options.Value, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var saved = await store.CreateAsync(graph!, savedBy: Actors.AdminApiKey, cancellationToken: cancellationToken);
        return TypedResults.Created($"/api/workflows/{saved.Id}", new WorkflowSaved(saved.Id, saved.Version));
    }

    private static async Task<IResult> GetAsync(string id, HttpResponse response, WorkflowStore store, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is not { } workflow)
        {
            return WorkflowNotFound(id);
        }
        var document = JsonNode.Parse(WorkflowJson.Serialize(workflow.Graph))!.AsObject();
        document["id"] = workflow.Id;
        document["version"] = workflow.Version;
        response.Headers.ETag = $"\"{workflow.Version}\"";
        return TypedResults.Text(document.ToJsonString(), "application/json");
    }

    private static async Task<IResult> SaveAsync(string id, HttpRequest request, WorkflowStore store, GraphValidator validator, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        var (text, tooLarge) = await ApiBody.ReadTextAsync(request, options.Value.MaxBodyBytes, cancellationToken);
        if (tooLarge is not null)
        {
            return tooLarge;
        }
        var (graph, problem) = ParseGraph(text, validator);
        if (problem is not null)
        {
            return problem;
        }
        var expected = ExpectedVersion(request, text!);
        if (expected is null)
        {
            return ApiProblems.Create(StatusCodes.Status428PreconditionRequired, "Say which version you edited",
                "Send the version you loaded in an If-Match header (e.g. If-Match: \"3\") or in a top-level \"version\" field, so a newer save is never overwritten by accident.");
        }
        // The management routes take the admin key only (ApiAccess.RequireAdminAsync).
        var result = await store.SaveAsync(id, graph!, expected.Value, savedBy: Actors.AdminApiKey, cancellationToken: cancellationToken);
        return result.Status switch
        {
            SaveStatus.Saved => TypedResults.Ok(new WorkflowSaved(id, result.Version)),
            SaveStatus.NotFound => WorkflowNotFound(id),
            _ => ApiProblems.Create(StatusCodes.Status409Conflict, "Someone saved a newer version",
                $"You edited version {expected.Value}, but version {result.Version} was saved since. Load it again, apply your changes, and save with its version.",
                new Dictionary<string, object?> { ["currentVersion"] = result.Version }),
        };
    }

    private static async Task<IResult> DeleteAsync(string id, WorkflowStore store, ICacheInvalidation invalidation, CancellationToken cancellationToken)
    {
        if (!await store.DeleteAsync(id, cancellationToken))
        {
            return WorkflowNotFound(id);
        }
        await invalidation.ClearWorkflowAsync(id, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> CacheStatsAsync(string id, WorkflowStore store, CacheStatistics statistics, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is null)
        {
            return WorkflowNotFound(id);
        }
        var total = statistics.TotalFor(id);
        var nodes = statistics.ForWorkflow(id).Select(n => new NodeCacheStatsItem(n.NodeId, n.Hits, n.Misses, n.NegativeHits, n.Errors, n.Bypasses, n.HitRatio, n.TimeSaved.TotalMilliseconds, n.TokensSaved)).ToArray();
        return TypedResults.Ok(new CacheStatsResponse(id, total.Hits, total.Misses, total.NegativeHits, total.Errors, total.HitRatio, total.TimeSaved.TotalMilliseconds, total.TokensSaved, nodes));
    }

    private static async Task<IResult> ClearCacheAsync(string id, string? nodeId, WorkflowStore store, ICacheInvalidation invalidation, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is not { } workflow)
        {
            return WorkflowNotFound(id);
        }
        if (!string.IsNullOrEmpty(nodeId) && workflow.Graph.FindNode(nodeId) is null)
        {
            return ApiProblems.NotFound($"The workflow has no node '{nodeId}'.");
        }
        await invalidation.ClearWorkflowAsync(id, string.IsNullOrEmpty(nodeId) ? null : nodeId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ListKeysAsync(string id, WorkflowStore store, ApiKeyService keys, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is null ? WorkflowNotFound(id) : TypedResults.Ok(await keys.ListAsync(id, cancellationToken));

    private static async Task<IResult> CreateKeyAsync(string id, HttpRequest request, WorkflowStore store, ApiKeyService keys, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is null)
        {
            return WorkflowNotFound(id);
        }
        string? name = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var (body, problem) = await ApiBody.ReadJsonAsync<CreateKeyBody>(request, options.Value.MaxBodyBytes, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }
            name = body!.Name;
        }
        if (name is { Length: > 100 })
        {
            return ApiProblems.BadRequest("A key name can have at most 100 characters.");
        }
        var created = await keys.CreateAsync(id, name, cancellationToken);
        return TypedResults.Created($"/api/workflows/{id}/keys/{created.Id}", created);
    }

    private static async Task<IResult> RevokeKeyAsync(string id, string keyId, ApiKeyService keys, CancellationToken cancellationToken) =>
        await keys.RevokeAsync(id, keyId, cancellationToken) ? TypedResults.NoContent() : ApiProblems.NotFound($"The workflow has no key '{keyId}'.");

    internal static ProblemHttpResult WorkflowNotFound(string id) => ApiProblems.NotFound($"There is no workflow '{id}'.");

    private static async Task<(WorkflowGraph? Graph, IResult? Problem)> ReadGraphAsync(HttpRequest request, GraphValidator validator, ApiOptions options, CancellationToken cancellationToken)
    {
        var (text, tooLarge) = await ApiBody.ReadTextAsync(request, options.MaxBodyBytes, cancellationToken);
        return tooLarge is not null ? (null, tooLarge) : ParseGraph(text, validator);
    }

    /// <summary>The document's own parse problems first, then the graph rules the studio checks before saving.</summary>
    private static (WorkflowGraph? Graph, IResult? Problem) ParseGraph(string? text, GraphValidator validator)
    {
        var parsed = WorkflowJson.Parse(text);
        if (!parsed.Succeeded)
        {
            return (null, ApiProblems.InvalidWorkflow(parsed.Problems));
        }
        var problems = validator.Validate(parsed.Graph!);
        return problems.Count > 0 ? (null, ApiProblems.InvalidWorkflow(problems)) : (parsed.Graph, null);
    }

    /// <summary>If-Match ("3", W/"3" or 3) wins; otherwise a top-level "version" number in the document.</summary>
    private static int? ExpectedVersion(HttpRequest request, string text)
    {
        var ifMatch = request.Headers.IfMatch.ToString();
        if (!string.IsNullOrWhiteSpace(ifMatch))
        {
            var value = ifMatch.Trim();
            if (value.StartsWith("W/", StringComparison.Ordinal))
            {
                value = value[2..];
            }
            return int.TryParse(value.Trim('"'), out var v) ? v : null;
        }
        try
        {
            return JsonNode.Parse(text) is JsonObject o && o.TryGetPropertyValue("version", out var node) && node is JsonValue jv && jv.TryGetValue<int>(out var version)
                ? version
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
