using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using WorkflowEngine.Graphs;

namespace WorkflowStudio.Api;

/// <summary>RFC 7807 problem details with a plain-language title and detail; never an exception's text or stack.</summary>
internal static class ApiProblems
{
    public static ProblemHttpResult Create(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    public static ProblemHttpResult NotFound(string what) =>
        Create(StatusCodes.Status404NotFound, "Not found", what);

    public static ProblemHttpResult BadRequest(string detail, IDictionary<string, object?>? extensions = null) =>
        Create(StatusCodes.Status400BadRequest, "The request is not valid", detail, extensions);

    /// <summary>400 listing each problem with its node id, as the studio's problems panel does.</summary>
    public static ProblemHttpResult InvalidWorkflow(IReadOnlyList<WorkflowEngine.Graphs.ValidationProblem> problems) =>
        Create(StatusCodes.Status400BadRequest, "The workflow is not valid",
            problems.Count == 1 ? problems[0].Message : $"The workflow has {problems.Count} problems; see 'problems'.",
            new Dictionary<string, object?>
            {
                ["problems"] = problems.Select(p => new { nodeId = p.NodeId, message = p.Message, code = p.Code, path = p.Path }).ToArray(),
            });

    public static string Number(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>Reads request bodies ourselves, so a malformed or oversized body gets a problem that says what is wrong.</summary>
internal static class ApiBody
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The body as text, or a 413 problem when it exceeds <paramref name="limit"/> bytes.</summary>
    public static async Task<(string? Text, ProblemHttpResult? Problem)> ReadTextAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, TooLarge(limit));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return (null, TooLarge(limit));
            }
            buffer.Write(chunk, 0, read);
        }
        return (Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), null);
    }

    /// <summary>A JSON body as <typeparamref name="T"/>, or a 400/413 problem.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadJsonAsync<T>(HttpRequest request, int limit, CancellationToken cancellationToken)
        where T : class
    {
        var (text, problem) = await ReadTextAsync(request, limit, cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, ApiProblems.BadRequest("The request body is empty; send a JSON object."));
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(text, Json);
            return value is null ? (null, ApiProblems.BadRequest("The request body must be a JSON object.")) : (value, null);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, character {(ex.BytePositionInLine ?? 0) + 1})" : "";
            return (null, ApiProblems.BadRequest($"The request body is not valid JSON for this endpoint{where}: {FirstSentence(ex.Message)}"));
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }

    public static ProblemHttpResult TooLarge(int limit) =>
        ApiProblems.Create(StatusCodes.Status413PayloadTooLarge, "The request is too large",
            $"The request body is larger than the limit of {ApiProblems.Number(limit)} bytes.");
}
