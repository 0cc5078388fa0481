using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WorkflowTesting;

/// <summary>
/// A small OpenAI-compatible HTTP server on 127.0.0.1 and a free port, for tests that talk to a language model over real HTTP.
/// Implements <c>POST /v1/chat/completions</c> (plain JSON, or server-sent events when <c>"stream": true</c>, ending with a usage
/// chunk and <c>data: [DONE]</c>) and <c>POST /v1/embeddings</c> (deterministic vectors).
/// <para>Per test: <see cref="Answer"/>/<see cref="Responder"/> choose the reply, <see cref="Delay"/> and <see cref="TokenDelay"/>
/// slow it down, <see cref="FailNext"/> makes the next calls fail with a status code, <see cref="Hang"/> never answers (for timeouts).
/// <see cref="ChatCallCount"/> counts every chat call (failed ones too) and <see cref="ChatRequests"/> keeps what was asked.</para>
/// <code>
/// await using var server = await FakeOpenAiServer.StartAsync();
/// server.Answer = "Refunds take 5 days.";
/// // configure Llm:BaseUrl = server.BaseUrl, Llm:ApiKey = server.ApiKey, Llm:Model = server.Model
/// </code>
/// </summary>
public sealed class FakeOpenAiServer : IAsyncDisposable
{
    private const int EmbeddingDimensions = 64;
    private static readonly Regex Piece = new(@"\s*(?:\p{IsCJKUnifiedIdeographs}|\p{IsCJKSymbolsandPunctuation}|\p{IsHalfwidthandFullwidthForms}|[^\s\p{IsCJKUnifiedIdeographs}\p{IsCJKSymbolsandPunctuation}\p{IsHalfwidthandFullwidthForms}]+)", RegexOptions.Compiled);

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<FakeChatRequest> _chatRequests = new();
    private readonly ConcurrentQueue<FakeEmbeddingRequest> _embeddingRequests = new();
    private int _chatCalls;
    private int _embeddingCalls;
    private int _failuresLeft;
    private int _failureStatus = 500;
    private int _activeChatCalls;
    private int _maxConcurrentChatCalls;

    private FakeOpenAiServer(WebApplication app, Uri root)
    {
        _app = app;
        Root = root;
    }

    /// <summary>The server root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Root { get; }

    /// <summary>The OpenAI-style base URL to configure (<c>Llm:BaseUrl</c>): the root plus <c>v1</c>, e.g. <c>http://127.0.0.1:41234/v1</c>.</summary>
    public string BaseUrl => new Uri(Root, "v1").ToString();

    /// <summary>An API key to configure; any key is accepted unless <see cref="RequiredApiKey"/> is set.</summary>
    public string ApiKey { get; set; } = "sk-fake-test-key";

    /// <summary>A model name to configure; any model is accepted.</summary>
    public string Model { get; set; } = "fake-model";

    /// <summary>When set, calls whose bearer token differs get HTTP 401 with an OpenAI-style error body.</summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>Makes the reply a function of the request (wins over <see cref="Answer"/> when set).</summary>
    public Func<FakeChatRequest, string>? Responder { get; set; }

    /// <summary>The fixed reply text (default: "Fake answer to: " + the last user message).</summary>
    public string? Answer { get; set; }

    /// <summary>Waited before the reply starts (before the headers), e.g. to make a slow model for cache tests.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Waited between streamed chunks.</summary>
    public TimeSpan TokenDelay { get; set; }

    /// <summary>When true, chat calls are accepted and never answered (until the client gives up or the server stops).</summary>
    public bool Hang { get; set; }

    /// <summary>Every chat-completions call received, including failed and hanging ones.</summary>
    public int ChatCallCount => Volatile.Read(ref _chatCalls);

    /// <summary>Every embeddings call received.</summary>
    public int EmbeddingCallCount => Volatile.Read(ref _embeddingCalls);

    /// <summary>The highest number of chat calls that were in progress at the same time.</summary>
    public int MaxConcurrentChatCalls => Volatile.Read(ref _maxConcurrentChatCalls);

    /// <summary>The chat requests received, oldest first.</summary>
    public IReadOnlyList<FakeChatRequest> ChatRequests => [.. _chatRequests];

    public FakeChatRequest? LastChatRequest => _chatRequests.LastOrDefault();

    public IReadOnlyList<FakeEmbeddingRequest> EmbeddingRequests => [.. _embeddingRequests];

    /// <summary>Starts a server on 127.0.0.1 and a free port.</summary>
    public static async Task<FakeOpenAiServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeOpenAiServer? server = null;
        app.MapPost("/v1/chat/completions", (HttpContext http) => server!.ChatAsync(http));
        app.MapPost("/v1/embeddings", (HttpContext http) => server!.EmbeddingsAsync(http));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeOpenAiServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
        return server;
    }

    /// <summary>The next <paramref name="times"/> chat or embedding calls fail with <paramref name="statusCode"/> (counted as calls).</summary>
    public void FailNext(int times, int statusCode = 500)
    {
        _failureStatus = statusCode;
        Volatile.Write(ref _failuresLeft, times);
    }

    /// <summary>Every chat or embedding call fails with <paramref name="statusCode"/> until <see cref="Reset"/>.</summary>
    public void FailAlways(int statusCode = 500) => FailNext(int.MaxValue, statusCode);

    /// <summary>Back to defaults: counters and recorded requests cleared, no failures, no delays, default answer.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _chatCalls, 0);
        Interlocked.Exchange(ref _embeddingCalls, 0);
        Interlocked.Exchange(ref _maxConcurrentChatCalls, 0);
        Volatile.Write(ref _failuresLeft, 0);
        _chatRequests.Clear();
        _embeddingRequests.Clear();
        Responder = null;
        Answer = null;
        Delay = TimeSpan.Zero;
        TokenDelay = TimeSpan.Zero;
        Hang = false;
        RequiredApiKey = null;
    }

    /// <summary>How the server splits a reply into streamed chunks: words (with their leading spaces), CJK characters one by one.
    /// Concatenating the pieces gives the text back.</summary>
    public static IReadOnlyList<string> SplitIntoTokens(string text)
    {
        var pieces = Piece.Matches(text).Select(m => m.Value).ToList();
        var covered = pieces.Sum(p => p.Length);
        if (covered < text.Length)
        {
            // Trailing whitespace is not matched by the pattern; keep it so the pieces add up to the text.
            var tail = text[covered..];
            if (pieces.Count == 0)
            {
                pieces.Add(tail);
            }
            else
            {
                pieces[^1] += tail;
            }
        }
        return pieces;
    }

    /// <summary>The token count the server reports for a text (its number of stream pieces).</summary>
    public static int CountTokens(string text) => SplitIntoTokens(text).Count;

    /// <summary>The deterministic embedding the server returns for a text: a normalised bag of character bigrams hashed into 64 dimensions.</summary>
    public static float[] EmbeddingOf(string text)
    {
        var vector = new float[EmbeddingDimensions];
        var lower = text.ToLowerInvariant();
        for (var i = 0; i < lower.Length; i++)
        {
            var hash = (uint)lower[i] * 31u + (i + 1 < lower.Length ? lower[i + 1] : 0u);
            hash ^= hash >> 7;
            hash *= 2654435761u;
            vector[hash % EmbeddingDimensions] += 1f;
        }
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        if (norm > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }
        return vector;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Connections still open after the grace period are aborted; nothing more to do.
        }
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task ChatAsync(HttpContext http)
    {
        Interlocked.Increment(ref _chatCalls);
        var active = Interlocked.Increment(ref _activeChatCalls);
        UpdateMax(active);
        try
        {
            using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _stopping.Token);
            var ct = lifetime.Token;
            using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: ct);
            var request = ParseChatRequest(document.RootElement, http.Request.Headers.Authorization.ToString());
            _chatRequests.Enqueue(request);

            if (await RejectAsync(http, request.ApiKey, ct))
            {
                return;
            }
            if (Hang)
            {
                await WaitQuietlyAsync(Timeout.InfiniteTimeSpan, ct);
                return;
            }
            await WaitQuietlyAsync(Delay, ct);
            if (ct.IsCancellationRequested)
            {
                return;
            }

            var answer = Responder?.Invoke(request) ?? Answer ?? "Fake answer to: " + (request.Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "");
            var promptTokens = request.Messages.Sum(m => CountTokens(m.Content));
            var pieces = SplitIntoTokens(answer);
            var id = "chatcmpl-" + Guid.NewGuid().ToString("n");
            var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var usage = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = pieces.Count,
                ["total_tokens"] = promptTokens + pieces.Count,
            };

            if (!request.Stream)
            {
                var body = new JsonObject
                {
                    ["id"] = id,
                    ["object"] = "chat.completion",
                    ["created"] = created,
                    ["model"] = request.Model,
                    ["choices"] = new JsonArray(new JsonObject
                    {
                        ["index"] = 0,
                        ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = answer },
                        ["finish_reason"] = "stop",
                    }),
                    ["usage"] = usage,
                };
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync(body.ToJsonString(), ct);
                return;
            }

            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            await http.Response.StartAsync(ct);
            await WriteEventAsync(http, Chunk(id, created, request.Model, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null), ct);
            foreach (var piece in pieces)
            {
                await WaitQuietlyAsync(TokenDelay, ct);
                if (ct.IsCancellationRequested)
                {
                    return;
                }
                await WriteEventAsync(http, Chunk(id, created, request.Model, new JsonObject { ["content"] = piece }, null), ct);
            }
            await WriteEventAsync(http, Chunk(id, created, request.Model, new JsonObject(), "stop"), ct);
            if (request.IncludeUsage)
            {
                var usageChunk = new JsonObject
                {
                    ["id"] = id,
                    ["object"] = "chat.completion.chunk",
                    ["created"] = created,
                    ["model"] = request.Model,
                    ["choices"] = new JsonArray(),
                    ["usage"] = usage,
                };
                await WriteEventAsync(http, usageChunk.ToJsonString(), ct);
            }
            await WriteEventAsync(http, "[DONE]", ct);
        }
        catch (OperationCanceledException)
        {
            // The client went away or the server is stopping.
        }
        finally
        {
            Interlocked.Decrement(ref _activeChatCalls);
        }
    }

    private async Task EmbeddingsAsync(HttpContext http)
    {
        Interlocked.Increment(ref _embeddingCalls);
        try
        {
            using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _stopping.Token);
            var ct = lifetime.Token;
            using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: ct);
            var root = document.RootElement;
            var inputs = root.TryGetProperty("input", out var input)
                ? input.ValueKind == JsonValueKind.Array ? input.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : [input.GetString() ?? ""]
                : new List<string>();
            var model = root.TryGetProperty("model", out var m) ? m.GetString() ?? "" : "";
            var base64 = root.TryGetProperty("encoding_format", out var f) && f.GetString() == "base64";
            var authorization = http.Request.Headers.Authorization.ToString();
            var apiKey = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;
            _embeddingRequests.Enqueue(new FakeEmbeddingRequest(model, inputs, apiKey));

            if (await RejectAsync(http, apiKey, ct))
            {
                return;
            }
            await WaitQuietlyAsync(Delay, ct);

            var data = new JsonArray();
            for (var i = 0; i < inputs.Count; i++)
            {
                var vector = EmbeddingOf(inputs[i]);
                JsonNode embedding = base64
                    ? JsonValue.Create(Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan())))
                    : new JsonArray([.. vector.Select(v => (JsonNode)JsonValue.Create(v))]);
                data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
            }
            var tokens = inputs.Sum(CountTokens);
            var body = new JsonObject
            {
                ["object"] = "list",
                ["data"] = data,
                ["model"] = model,
                ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
            };
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(body.ToJsonString(), ct);
        }
        catch (OperationCanceledException)
        {
            // The client went away or the server is stopping.
        }
    }

    /// <summary>Answers with an error when the key is wrong or a failure is queued; true when it did.</summary>
    private async Task<bool> RejectAsync(HttpContext http, string? apiKey, CancellationToken ct)
    {
        if (RequiredApiKey is not null && apiKey != RequiredApiKey)
        {
            await WriteErrorAsync(http, StatusCodes.Status401Unauthorized, "Incorrect API key provided.", "invalid_request_error", ct);
            return true;
        }
        while (true)
        {
            var left = Volatile.Read(ref _failuresLeft);
            if (left <= 0)
            {
                return false;
            }
            var next = left == int.MaxValue ? left : left - 1;
            if (Interlocked.CompareExchange(ref _failuresLeft, next, left) == left)
            {
                await WriteErrorAsync(http, _failureStatus, "The fake server was told to fail this call.", "server_error", ct);
                return true;
            }
        }
    }

    private static async Task WriteErrorAsync(HttpContext http, int status, string message, string type, CancellationToken ct)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        var body = new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["code"] = null } };
        await http.Response.WriteAsync(body.ToJsonString(), ct);
    }

    private static string Chunk(string id, long created, string model, JsonObject delta, string? finishReason) =>
        new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        }.ToJsonString();

    private static async Task WriteEventAsync(HttpContext http, string data, CancellationToken ct)
    {
        await http.Response.WriteAsync("data: " + data + "\n\n", Encoding.UTF8, ct);
        await http.Response.Body.FlushAsync(ct);
    }

    private static async Task WaitQuietlyAsync(TimeSpan delay, CancellationToken ct)
    {
        if (delay == TimeSpan.Zero)
        {
            return;
        }
        try
        {
            await Task.Delay(delay, ct);
        }
        catch (OperationCanceledException)
        {
            // Callers check the token.
        }
    }

    private void UpdateMax(int active)
    {
        int seen;
        while (active > (seen = Volatile.Read(ref _maxConcurrentChatCalls)) &&
               Interlocked.CompareExchange(ref _maxConcurrentChatCalls, active, seen) != seen)
        {
        }
    }

    private static FakeChatRequest ParseChatRequest(JsonElement root, string authorization)
    {
        var messages = new List<FakeChatMessage>();
        if (root.TryGetProperty("messages", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in list.EnumerateArray())
            {
                var role = message.TryGetProperty("role", out var r) ? r.GetString() ?? "" : "";
                messages.Add(new FakeChatMessage(role, ContentText(message)));
            }
        }
        double? temperature = root.TryGetProperty("temperature", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetDouble() : null;
        // Newer clients send max_completion_tokens, older ones and many compatible servers use max_tokens.
        int? maxTokens = root.TryGetProperty("max_completion_tokens", out var mct) && mct.ValueKind == JsonValueKind.Number ? mct.GetInt32()
            : root.TryGetProperty("max_tokens", out var mt) && mt.ValueKind == JsonValueKind.Number ? mt.GetInt32() : null;
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var includeUsage = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object &&
                           so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
        var model = root.TryGetProperty("model", out var m) ? m.GetString() ?? "" : "";
        var apiKey = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;
        return new FakeChatRequest(model, messages, temperature, maxTokens, stream, includeUsage, apiKey, root.GetRawText());
    }

    private static string ContentText(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            return "";
        }
        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString() ?? "",
            // Content parts: [{ "type": "text", "text": "..." }, ...]
            JsonValueKind.Array => string.Concat(content.EnumerateArray()
                .Where(p => p.TryGetProperty("text", out _))
                .Select(p => p.GetProperty("text").GetString())),
            _ => "",
        };
    }
}

/// <summary>A chat-completions call as the fake server received it.</summary>
/// <param name="IncludeUsage">Whether a streaming call asked for the usage chunk (<c>stream_options.include_usage</c>).</param>
/// <param name="ApiKey">The bearer token sent, or null.</param>
/// <param name="RawJson">The request body, for anything else a test wants to check.</param>
public sealed record FakeChatRequest(
    string Model,
    IReadOnlyList<FakeChatMessage> Messages,
    double? Temperature,
    int? MaxTokens,
    bool Stream,
    bool IncludeUsage,
    string? ApiKey,
    string RawJson)
{
    /// <summary>The last user message's text.</summary>
    public string? LastUserMessage => Messages.LastOrDefault(m => m.Role == "user")?.Content;

    public string? SystemMessage => Messages.FirstOrDefault(m => m.Role == "system")?.Content;
}

public sealed record FakeChatMessage(string Role, string Content);

public sealed record FakeEmbeddingRequest(string Model, IReadOnlyList<string> Inputs, string? ApiKey);
