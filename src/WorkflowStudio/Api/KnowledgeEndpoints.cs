using Microsoft.Extensions.Options;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Api;

/// <summary>Knowledge bases and their documents (admin key).</summary>
internal static class KnowledgeEndpoints
{
    public static RouteGroupBuilder MapKnowledgeManagement(this RouteGroupBuilder group)
    {
        group = group.MapGroup("").WithTags("Knowledge");
        group.MapGet("/knowledge-bases", ListAsync).WithName("listKnowledgeBases").WithSummary("Lists knowledge bases.")
            .Produces<KnowledgeBaseSummary[]>();
        group.MapPost("/knowledge-bases", CreateAsync).WithName("createKnowledgeBase").WithSummary("Creates a knowledge base.")
            .Accepts<CreateKnowledgeBaseBody>("application/json").Produces<Created>(StatusCodes.Status201Created)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/knowledge-bases/{id}/documents", ListDocumentsAsync).WithName("listDocuments")
            .WithSummary("Lists a knowledge base's documents with their indexing state.").Produces<KnowledgeDocumentSummary[]>();
        group.MapPost("/knowledge-bases/{id}/documents", AddDocumentsAsync).WithName("addDocuments")
            .WithSummary("Adds documents: JSON { name, text } or multipart files (UTF-8 text). 201 once indexed; 202 with a status URL when indexing takes longer.")
            .Accepts<AddDocumentBody>("application/json", "multipart/form-data")
            .Produces<KnowledgeDocumentSummary[]>(StatusCodes.Status201Created).Produces<KnowledgeDocumentSummary[]>(StatusCodes.Status202Accepted)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge)
            .DisableAntiforgery();
        group.MapGet("/knowledge-bases/{id}/documents/{docId}", GetDocumentAsync).WithName("getDocument").WithSummary("One document's indexing state.")
            .Produces<KnowledgeDocumentSummary>();
        group.MapDelete("/knowledge-bases/{id}/documents/{docId}", DeleteDocumentAsync).WithName("deleteDocument").WithSummary("Deletes a document.")
            .Produces(StatusCodes.Status204NoContent);
        return group;
    }

    private static async Task<IResult> ListAsync(KnowledgeBaseService knowledge, CancellationToken cancellationToken) =>
        TypedResults.Ok(await knowledge.ListAsync(cancellationToken));

    private static async Task<IResult> CreateAsync(HttpRequest request, KnowledgeBaseService knowledge, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiBody.ReadJsonAsync<CreateKnowledgeBaseBody>(request, options.Value.MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        try
        {
            var created = await knowledge.CreateAsync(body!.Name ?? "", body.Description, cancellationToken: cancellationToken);
            return TypedResults.Created($"/api/knowledge-bases/{created.Id}", new Created(created.Id));
        }
        catch (KnowledgeBaseException ex)
        {
            return ApiProblems.BadRequest(ex.Message);
        }
    }

    private static async Task<IResult> ListDocumentsAsync(string id, KnowledgeBaseService knowledge, CancellationToken cancellationToken) =>
        await knowledge.GetAsync(id, cancellationToken) is null ? KnowledgeBaseNotFound(id) : TypedResults.Ok(await knowledge.ListDocumentsAsync(id, cancellationToken));

    private static async Task<IResult> AddDocumentsAsync(string id, HttpRequest request, KnowledgeBaseService knowledge, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        if (await knowledge.GetAsync(id, cancellationToken) is null)
        {
            return KnowledgeBaseNotFound(id);
        }
        var limit = options.Value.MaxUploadBytes;
        if (request.ContentLength > limit)
        {
            return ApiBody.TooLarge(limit);
        }
        var added = new List<KnowledgeDocumentSummary>();
        try
        {
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(new Microsoft.AspNetCore.Http.Features.FormOptions { MultipartBodyLengthLimit = limit }, cancellationToken);
                if (form.Files.Count == 0)
                {
                    return ApiProblems.BadRequest("The form has no files; attach one or more UTF-8 text files.");
                }
                using (knowledge.HoldIndexing(id))
                {
                    foreach (var file in form.Files)
                    {
                        using var content = new MemoryStream();
                        await file.CopyToAsync(content, cancellationToken);
                        added.Add(await knowledge.AddDocumentAsync(id, file.FileName, content.ToArray(), cancellationToken));
                    }
                }
            }
            else
            {
                var (body, problem) = await ApiBody.ReadJsonAsync<AddDocumentBody>(request, limit, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                added.Add(await knowledge.AddDocumentAsync(id, body!.Name ?? "", body.Text ?? "", cancellationToken));
            }
        }
        catch (KnowledgeBaseException ex)
        {
            return ApiProblems.BadRequest(ex.Message);
        }
        catch (InvalidDataException)
        {
            return ApiBody.TooLarge(limit);
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(options.Value.IndexWaitSeconds));
        try
        {
            await knowledge.WaitForIndexingAsync(id, wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var status = $"/api/knowledge-bases/{id}/documents/{added[0].Id}";
            return TypedResults.Accepted(status, await CurrentAsync(knowledge, id, added, cancellationToken));
        }
        var documents = await CurrentAsync(knowledge, id, added, cancellationToken);
        return TypedResults.Created($"/api/knowledge-bases/{id}/documents/{added[0].Id}", documents);
    }

    private static async Task<IResult> GetDocumentAsync(string id, string docId, KnowledgeBaseService knowledge, CancellationToken cancellationToken)
    {
        if (await knowledge.GetAsync(id, cancellationToken) is null)
        {
            return KnowledgeBaseNotFound(id);
        }
        var document = (await knowledge.ListDocumentsAsync(id, cancellationToken)).FirstOrDefault(d => d.Id == docId);
        return document is null ? ApiProblems.NotFound($"The knowledge base has no document '{docId}'.") : TypedResults.Ok(document);
    }

    private static async Task<IResult> DeleteDocumentAsync(string id, string docId, KnowledgeBaseService knowledge, CancellationToken cancellationToken)
    {
        if (await knowledge.GetAsync(id, cancellationToken) is null)
        {
            return KnowledgeBaseNotFound(id);
        }
        if (!(await knowledge.ListDocumentsAsync(id, cancellationToken)).Any(d => d.Id == docId))
        {
            return ApiProblems.NotFound($"The knowledge base has no document '{docId}'.");
        }
        await knowledge.DeleteDocumentAsync(id, docId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<KnowledgeDocumentSummary[]> CurrentAsync(KnowledgeBaseService knowledge, string id, List<KnowledgeDocumentSummary> added, CancellationToken cancellationToken)
    {
        var ids = added.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        return [.. (await knowledge.ListDocumentsAsync(id, cancellationToken)).Where(d => ids.Contains(d.Id))];
    }

    private static IResult KnowledgeBaseNotFound(string id) => ApiProblems.NotFound($"There is no knowledge base '{id}'.");
}
