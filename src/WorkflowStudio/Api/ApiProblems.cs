using System.Buffers;
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
    /// <summary>Request bodies and the stream's events: as the HTTP JSON options (enums as names, text as it is).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = WorkflowEngine.Execution.JsonStrings.Encoder,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>The body as text, or a 413 problem when it exceeds <paramref name="limit"/> bytes.</summary>
    public static async Task<(string? Text, ProblemHttpResult? Problem)> ReadTextAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        var (buffer, length, problem) = await ReadBytesAsync(request, limit, cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }
        try
        {
            return (Encoding.UTF8.GetString(buffer!, 0, length), null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer!);
        }
    }

    /// <summary>The body in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it), or a 413 problem.
    /// Reading into pooled memory instead of a fresh 16 KB chunk and a MemoryStream per request was the largest allocation of
    /// a cached API run (bench/ApiLoad).</summary>
    private static async Task<(byte[]? Buffer, int Length, ProblemHttpResult? Problem)> ReadBytesAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, 0, TooLarge(limit));
        }
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and var known ? (int)known + 1 : 4096);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                length += read;
                if (length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, 0, TooLarge(limit));
                }
            }
            return (buffer, length, null);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>A JSON body as <typeparamref name="T"/>, or a 400/413 problem.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadJsonAsync<T>(HttpRequest request, int limit, CancellationToken cancellationToken)
        where T : class
    {
        var (buffer, length, problem) = await ReadBytesAsync(request, limit, cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }
        try
        {
            var utf8 = buffer.AsSpan(0, length);
            if (utf8.StartsWith(Encoding.UTF8.Preamble))
            {
                utf8 = utf8[Encoding.UTF8.Preamble.Length..];
            }
            if (utf8.TrimStart(" \t\r\n"u8).IsEmpty)
            {
                return (null, ApiProblems.BadRequest("The request body is empty; send a JSON object."));
            }
            var value = JsonSerializer.Deserialize<T>(utf8, Json);
            return value is null ? (null, ApiProblems.BadRequest("The request body must be a JSON object.")) : (value, null);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, character {(ex.BytePositionInLine ?? 0) + 1})" : "";
            return (null, ApiProblems.BadRequest($"The request body is not valid JSON for this endpoint{where}: {FirstSentence(ex.Message)}"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer!);
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }

    public static ProblemHttpResult TooLarge(int limit) =>
        ApiProblems.Create(StatusCodes.Status413PayloadTooLarge, "The request is too large",
            $"The request body is larger than the limit of {ApiProblems.Number(limit)} bytes.", new Dictionary<string, object?> { ["limit"] = limit });
}
