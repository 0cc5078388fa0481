using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace WorkflowStudio.Api;

/// <summary>Which key an endpoint group takes; the OpenAPI document turns it into the operation's security requirement and
/// its 401/403 (and, for runs, 429) answers, so each endpoint states only what is its own.</summary>
/// <param name="AnyRunKey">Any valid run key passes the key check, and the endpoint answers 404 for what belongs to another
/// workflow (a recorded run), instead of 403.</param>
internal sealed record ApiKeyRequirement(bool AdminOnly, bool AnyRunKey = false)
{
    public static readonly ApiKeyRequirement Admin = new(AdminOnly: true);
    public static readonly ApiKeyRequirement Run = new(AdminOnly: false);
    public static readonly ApiKeyRequirement RecordedRun = new(AdminOnly: false, AnyRunKey: true);
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
        ("Run", "Ask a workflow a question, as one answer or as a stream, and report a wrong answer. The workflow's run key or the admin key."),
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
                + (key.AdminOnly ? "Key: the admin key. While Api:AdminKey is unset this endpoint answers 404."
                    : key.AnyRunKey ? "Key: a run key of the run's workflow, or the admin key."
                    : "Key: this workflow's run key, or the admin key.");
            var problem = new OpenApiSchemaReference(nameof(ApiProblem), context.Document);
            operation.Responses ??= [];
            AddProblem(operation, StatusCodes.Status401Unauthorized, "No key, or an unknown or revoked key (WWW-Authenticate: Bearer).", problem);
            if (!key.AnyRunKey)
            {
                AddProblem(operation, StatusCodes.Status403Forbidden, key.AdminOnly ? "A run key on a management endpoint." : "A run key of another workflow.", problem);
            }
            const string failedKeys = "More than Api:FailedKeyPermits unknown or revoked keys from this client address in the window (answered before the key is looked up)";
            if (key.AdminOnly)
            {
                AddProblem(operation, StatusCodes.Status404NotFound, "Not found, or the management API is turned off (Api:AdminKey unset).", problem);
                AddProblem(operation, StatusCodes.Status429TooManyRequests, failedKeys + "; Retry-After says when to retry.", problem);
            }
            else
            {
                AddProblem(operation, StatusCodes.Status429TooManyRequests,
                    "More than Api:RateLimitPermits requests by this key in the window, or " + char.ToLowerInvariant(failedKeys[0]) + failedKeys[1..] + "; Retry-After says when to retry.", problem);
            }
            return Task.CompletedTask;
        });
        // A run key's trace entries (RunStepSummary) are RunTraceEntry's with what the key may not see left out, so one schema
        // describes both: only what every entry has is required.
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type == typeof(WorkflowStudio.Runs.RunTraceEntry) && schema is OpenApiSchema entry)
            {
                entry.Required = new HashSet<string>(["nodeId", "type", "status", "elapsedMs"]);
                entry.Description = "What one step did. A run key sees nodeId, type, status, cache, level, elapsedMs and savedMs only; "
                    + "the admin key and the studio see the rest (titles, token counts, output previews, details).";
            }
            return Task.CompletedTask;
        });
        // Last, so the key transformer's 401/403/404/429 answers get theirs too.
        options.AddOperationTransformer((operation, _, _) =>
        {
            AddExamples(operation);
            return Task.CompletedTask;
        });
    }

    /// <summary>Example bodies in the API's own shape and wording: the 400, 401, 428 and 429 problems, the key and the health
    /// bodies were copied from answers of a running studio; the others use the titles the code answers with and illustrative
    /// ids and details.</summary>
    private static readonly Dictionary<string, string> ProblemExamples = new(StringComparer.Ordinal) // shared by design: constant, read-only
    {
        ["400"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"The request is not valid","status":400,"detail":"Ask a question: send { \"query\": \"...\" }.","traceId":"00-cd49a98a5eae0464cbff40fc906e704a-c3b9fe6fe8144a44-00"}""",
        ["401"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.2","title":"A valid key is needed","status":401,"detail":"The key is not valid.","traceId":"00-20c1132a83a1e77cf6c5b1db0f8ee5e4-961997d624f81301-00"}""",
        ["403"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.4","title":"Not allowed","status":403,"detail":"This key belongs to another workflow.","traceId":"00-5b0c7f7e1f3a4c8e9d2b6a1c0e4f7a21-8c2d4e6f0a1b3c5d-00"}""",
        ["404"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Not found","status":404,"detail":"There is no workflow 'c5d3e787cb4a477a9bebc13f3c92cabb'.","traceId":"00-7e1d2c3b4a5f60718293a4b5c6d7e8f9-1a2b3c4d5e6f7081-00"}""",
        ["409"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.10","title":"Someone saved a newer version","status":409,"detail":"You edited version 3, but version 4 was saved since. Load it again, apply your changes, and save with its version.","currentVersion":4,"traceId":"00-0f1e2d3c4b5a69788796a5b4c3d2e1f0-0a1b2c3d4e5f6071-00"}""",
        ["413"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.14","title":"The request is too large","status":413,"detail":"The request body is larger than the limit of 1,048,576 bytes.","limit":1048576,"traceId":"00-a1b2c3d4e5f60718293a4b5c6d7e8f90-1b2c3d4e5f607182-00"}""",
        ["422"] = """{"type":"https://tools.ietf.org/html/rfc4918#section-11.2","title":"The workflow cannot run","status":422,"detail":"node 'Search the help centre' (retrieve) has no knowledge base: choose one in its settings.","runId":"9d1c6e0f3b2a4d5e8f7a6b5c4d3e2f10","failedNodeId":"retrieve","traceId":"00-b2c3d4e5f60718293a4b5c6d7e8f90a1-2c3d4e5f60718293-00"}""",
        ["428"] = """{"type":"https://tools.ietf.org/html/rfc6585#section-3","title":"Say which version you edited","status":428,"detail":"Send the version you loaded in an If-Match header (e.g. If-Match: \"3\") or in a top-level \"version\" field, so a newer save is never overwritten by accident.","traceId":"00-aea96fb310b89a7cbe62a01240fb531f-fbd7dcfc72b3017e-00"}""",
        ["429"] = """{"type":"https://tools.ietf.org/html/rfc6585#section-4","title":"Too many requests","status":429,"detail":"This key made more than 600 requests in the current window; try again in 41 s.","traceId":"00-05b8236885365e9af8bf1f56565c025c-3e20d2faba7135f2-00"}""",
        ["500"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.1","title":"A step of the workflow failed","status":500,"detail":"'Build the prompt' failed because of an internal error (InvalidCastException); the details are in the log.","runId":"1e2d3c4b5a6978877a6b5c4d3e2f1a0b","failedNodeId":"template","traceId":"00-c3d4e5f60718293a4b5c6d7e8f90a1b2-3d4e5f6071829304-00"}""",
        ["502"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.3","title":"The language model could not answer","status":502,"detail":"'Write the answer' failed: The model provider could not be reached or refused the request. Try again later; if it keeps failing, an administrator can find the reason in the studio's log.","runId":"aad8d1320645492fa1a837c689893546","failedNodeId":"llm","traceId":"00-d4e5f60718293a4b5c6d7e8f90a1b2c3-4e5f607182930415-00"}""",
        ["503"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.4","title":"The run was stopped","status":503,"detail":"Stopped: the run was cancelled.","runId":"3f2e1d0c9b8a79685746352413021f0e","failedNodeId":"llm","traceId":"00-e5f60718293a4b5c6d7e8f90a1b2c3d4-5f60718293041526-00"}""",
    };

    /// <summary>Problems whose example differs for one operation from <see cref="ProblemExamples"/>.</summary>
    private static readonly Dictionary<(string OperationId, string Status), string> OperationProblemExamples = new() // shared by design: constant, read-only
    {
        [("sendRunFeedback", "400")] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"The request is not valid","status":400,"detail":"Say whether the answer was right: send { \"correct\": false } for a wrong answer (or true for a right one).","traceId":"00-6c1f0e2d3b4a59687a6b5c4d3e2f1a0b-7d8e9f0a1b2c3d4e-00"}""",
        [("sendRunFeedback", "404")] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Not found","status":404,"detail":"There is no run '4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e' for this key. A run can be reported a moment after its answer, once it is recorded.","traceId":"00-8a9b0c1d2e3f40516273849a0b1c2d3e-9a0b1c2d3e4f5061-00"}""",
        [("streamWorkflowRun", "503")] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.4","title":"Still indexing","status":503,"detail":"The knowledge base is still being indexed (4 of 10 documents ready). Try again in a few seconds.","traceId":"00-f60718293a4b5c6d7e8f90a1b2c3d4e5-60718293a4b5c6d7-00"}""",
        [("sendRunFeedback", "409")] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.10","title":"Not from the cache","status":409,"detail":"This answer did not come from the response cache and was not stored in it, so there is nothing to drop. Change the workflow (its prompt or knowledge) to change such answers.","traceId":"00-1b2c3d4e5f6071829304a5b6c7d8e9f0-2b3c4d5e6f708192-00"}""",
    };

    private static readonly Dictionary<(string OperationId, string Status), string> SuccessExamples = new() // shared by design: constant, read-only
    {
        [("sendRunFeedback", "200")] = """{"runId":"4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e","fromCache":true,"pairBlocked":true,"message":"The answer was dropped from the cache on every instance, and this question will not be matched to the question it was answered for again."}""",
        [("createKey", "201")] = """{"id":"e7e439f0bad94e5b86c2dcc0602aec28","workflowId":"c5d3e787cb4a477a9bebc13f3c92caba","name":"website","prefix":"wfs_gPT-UJ7V","key":"wfs_gPT-UJ7VswPZymCCA44Er5Oq96TBQXZnTE-CVYdS1vI","createdAt":"2026-12-07T04:01:33.2705335+00:00"}""",
        [("getHealth", "200")] = """{"status":"Healthy","database":"connected","redis":"connected"}""",
        [("getReadiness", "503")] = """{"status":"Degraded","ready":"indexing"}""",
    };

    /// <summary>Sets the example of each response the tables above have one for.</summary>
    private static void AddExamples(OpenApiOperation operation)
    {
        foreach (var (status, response) in operation.Responses ?? [])
        {
            foreach (var (mediaType, content) in response.Content ?? new Dictionary<string, OpenApiMediaType>())
            {
                var id = operation.OperationId ?? "";
                var example = mediaType == ProblemContentType ? OperationProblemExamples.GetValueOrDefault((id, status)) ?? ProblemExamples.GetValueOrDefault(status)
                    : SuccessExamples.GetValueOrDefault((id, status));
                if (example is not null)
                {
                    content.Example = System.Text.Json.Nodes.JsonNode.Parse(example);
                }
            }
        }
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
