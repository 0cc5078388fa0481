using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace WorkflowStudio.Api;

/// <summary>Which key an endpoint group takes; the OpenAPI document turns it into the operation's security requirement and
/// its 401/403 (and, for runs, 429) answers, so each endpoint states only what is its own.</summary>
internal sealed record ApiKeyRequirement(bool AdminOnly)
{
    public static readonly ApiKeyRequirement Admin = new(AdminOnly: true);
    public static readonly ApiKeyRequirement Run = new(AdminOnly: false);
}

/// <summary>The error body of every API answer from 400 up (RFC 7807, <c>application/problem+json</c>). Only describes the
/// document: answers are written as <see cref="Microsoft.AspNetCore.Mvc.ProblemDetails"/> with these extra members.</summary>
/// <param name="Title">A short, plain-language summary.</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="Type">A URI naming the kind of problem (the RFC 9110 section of the status), when there is one.</param>
/// <param name="Detail">What went wrong in this request and what to do.</param>
/// <param name="TraceId">The request's trace id, to find it in the studio's logs.</param>
/// <param name="Problems">400 for an invalid workflow: each rule it breaks.</param>
/// <param name="Limit">400 for a question that is too long, 413 for a body that is too large: the limit (characters or bytes).</param>
/// <param name="CurrentVersion">409: the version that is saved now.</param>
/// <param name="RunId">A failed run (422, 500, 502, 503): the recorded run's id.</param>
/// <param name="FailedNodeId">A failed run: the step that failed.</param>
public sealed record ApiProblem(
    string Title, int Status, string? Type = null, string? Detail = null, string? TraceId = null,
    IReadOnlyList<ApiProblemItem>? Problems = null, long? Limit = null, int? CurrentVersion = null, string? RunId = null, string? FailedNodeId = null);

/// <summary>One rule an invalid workflow breaks.</summary>
/// <param name="NodeId">The step concerned, or null for the whole graph.</param>
/// <param name="Message">Plain-language text, as the studio shows it.</param>
/// <param name="Code">A stable code, e.g. <c>cycle</c> or <c>unknown-variable</c>.</param>
/// <param name="Path">Where in the document, e.g. <c>nodes[2].settings.template</c>.</param>
public sealed record ApiProblemItem(string? NodeId, string Message, string Code, string? Path);

internal static class ApiDocument
{
    public const string SecuritySchemeName = "bearer";

    /// <summary>Where the interactive API reference (Scalar, served from the package, no CDN) is: <c>{prefix}/v1</c>.</summary>
    public const string ReferencePrefix = "/api/reference";

    public const string ReferenceUrl = ReferencePrefix + "/v1";
    public const string ProblemContentType = "application/problem+json";

    private static readonly (string Name, string Description)[] Tags =
    [
        ("Health", "Liveness and readiness, without a key."),
        ("Workflows", "Saved workflows as documents (docs/workflow-format.md), with versions. Admin key."),
        ("Cache", "A workflow's cache figures and clearing. Admin key."),
        ("Keys", "Run keys of a workflow: create (shown once), list, revoke. Admin key."),
        ("Knowledge", "Knowledge bases and their documents. Admin key."),
        ("Run", "Ask a workflow a question, as one answer or as a stream. The workflow's run key or the admin key."),
    ];

    /// <summary>Describes what the endpoints do that their metadata cannot say: the API's title, the relative server (so the
    /// same document serves every instance), the bearer keys and which operation takes which, and tag descriptions.</summary>
    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer(async (document, context, cancellationToken) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Workflow Studio API",
                Version = "v1",
                Description = "Run published workflows and manage workflows, knowledge bases, run keys and caches. Every error is an RFC 7807 problem. See docs/api.md.",
                License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Proprietary" },
            };
            document.Servers = [new OpenApiServer { Url = "/", Description = "This studio" }];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "`Authorization: Bearer <key>`: the admin key (configuration Api:AdminKey) or a workflow's run key (wfs_…).",
            };
            document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
            // The stream's events are named in /run/stream's description; their bodies are components so clients can read them.
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas[nameof(TokenEvent)] = await context.GetOrCreateSchemaAsync(typeof(TokenEvent), cancellationToken: cancellationToken);
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<ApiKeyRequirement>().LastOrDefault() is not { } key)
            {
                operation.Security = [];
                return Task.CompletedTask;
            }
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, context.Document)] = [] }];
            operation.Description = (operation.Description is { Length: > 0 } d ? d + "\n\n" : "")
                + (key.AdminOnly ? "Key: the admin key. While Api:AdminKey is unset this endpoint answers 404." : "Key: this workflow's run key, or the admin key.");
            var problem = new OpenApiSchemaReference(nameof(ApiProblem), context.Document);
            operation.Responses ??= [];
            AddProblem(operation, StatusCodes.Status401Unauthorized, "No key, or an unknown or revoked key (WWW-Authenticate: Bearer).", problem);
            AddProblem(operation, StatusCodes.Status403Forbidden, key.AdminOnly ? "A run key on a management endpoint." : "A run key of another workflow.", problem);
            if (key.AdminOnly)
            {
                AddProblem(operation, StatusCodes.Status404NotFound, "Not found, or the management API is turned off (Api:AdminKey unset).", problem);
            }
            else
            {
                AddProblem(operation, StatusCodes.Status429TooManyRequests, "More than Api:RateLimitPermits requests by this key in the window; Retry-After says when to retry.", problem);
            }
            return Task.CompletedTask;
        });
    }

    /// <summary>Declares that the endpoint answers <paramref name="statuses"/> with an <see cref="ApiProblem"/>.</summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.Produces<ApiProblem>(status, ProblemContentType);
        }
        return builder;
    }

    private static void AddProblem(OpenApiOperation operation, int status, string description, IOpenApiSchema schema)
    {
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(code, out var existing) && existing is OpenApiResponse known)
        {
            known.Description = string.IsNullOrEmpty(known.Description) || known.Description == ReasonPhrase(status) ? description : known.Description;
            return;
        }
        operation.Responses[code] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { [ProblemContentType] = new() { Schema = schema } },
        };
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}
