using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using WorkflowEngine.Llm;
using WorkflowEngine.Nodes.Types;

namespace WorkflowEngine.Http;

/// <summary>
/// Sends the HTTP request step's requests within the outbound rules: only allowed hosts, a time limit per attempt and in all,
/// retries only where sending again is safe, a bounded answer, and one message for a refused connection, a timeout and an
/// error status, so a run never tells whether some (internal) address answered; the log tells an administrator what happened.
/// </summary>
public sealed class HttpRequestSender(
    IHttpClientFactory clients, IOptions<HttpRequestStepOptions> options, IOptions<LlmOptions> llmOptions, ILogger<HttpRequestSender>? logger = null)
{
    public const string HttpClientName = "WorkflowEngine.HttpRequests";

    /// <summary>The longest a step may wait for one attempt, and for all its attempts together (below the engine's node timeout).</summary>
    public const int MaxTimeoutSeconds = 60;

    public const int MaxRetries = 3;

    public const string FailureMessage =
        "The HTTP request could not reach its address or was refused. Try again later; if it keeps failing, an administrator can find the reason in the studio's log.";

    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private readonly ConcurrentDictionary<(int Retries, int TimeoutSeconds, bool Idempotent), ResiliencePipeline<HttpAnswer>> _pipelines = new();

    /// <summary>Methods that may be sent again after an answer was lost (RFC 9110, 9.2.2): the others are retried only when no
    /// connection could be made, so a POST is never applied twice.</summary>
    public static bool IsIdempotent(string method) => method is "GET" or "PUT" or "DELETE";

    /// <summary>Null when the rules allow calling <paramref name="url"/>; otherwise the reason, for the person running the step.</summary>
    public string? CheckAllowed(Uri url)
    {
        var configured = options.Value.AllowedHosts.Length > 0;
        if (LlmAllowedHosts.Allows(options.Value.EffectiveAllowedHosts(llmOptions.Value), url.AbsoluteUri))
        {
            return null;
        }
        var setting = configured ? $"{HttpRequestStepOptions.SectionName}:AllowedHosts" : $"{LlmOptions.SectionName}:AllowedHosts";
        Log.HttpHostRefused(_logger, Describe(url), setting);
        return $"The address {Describe(url)} is not on the list of allowed hosts ({setting}); an administrator can add its host there.";
    }

    /// <summary>Sends <paramref name="request"/>. Returns the answer when its status is 2xx, or any status when
    /// <see cref="HttpNode.Config.ContinueOnErrorStatus"/> is set.</summary>
    /// <exception cref="InvalidOperationException">With <see cref="FailureMessage"/>, or a message saying the answer is too large.</exception>
    public async Task<HttpAnswer> SendAsync(HttpNode.Input request, HttpNode.Config config, CancellationToken cancellationToken)
    {
        var client = clients.CreateClient(HttpClientName);
        var retries = Math.Clamp(config.Retries, 0, MaxRetries);
        var timeoutSeconds = Math.Clamp(config.TimeoutSeconds, 1, MaxTimeoutSeconds);
        var idempotent = IsIdempotent(request.Method);
        var pipeline = _pipelines.GetOrAdd((retries, timeoutSeconds, idempotent), static key => CreatePipeline(key.Retries, key.TimeoutSeconds, key.Idempotent));
        var url = new Uri(request.Url);
        HttpAnswer answer;
        try
        {
            var maxBytes = options.Value.MaxResponseBytes;
            answer = await pipeline.ExecuteAsync(static async (state, token) => await SendOnceAsync(state.client, state.request, state.maxBytes, token),
                (client, request, maxBytes), cancellationToken);
        }
        catch (AnswerTooLargeException)
        {
            var kilobytes = options.Value.MaxResponseKilobytes;
            Log.HttpAnswerTooLarge(_logger, request.Method, Describe(url), kilobytes);
            throw new InvalidOperationException(
                $"The answer was larger than {kilobytes} kB, the most an HTTP request step reads. Ask the API for less (for example a page size in the query), or an administrator can raise HttpRequests:MaxResponseKilobytes.");
        }
        catch (Exception ex) when (!(cancellationToken.IsCancellationRequested && ex is OperationCanceledException))
        {
            Log.HttpCallFailed(_logger, ex, request.Method, Describe(url), Detail(ex, timeoutSeconds, retries, idempotent));
            throw new InvalidOperationException(FailureMessage);
        }
        if (answer.Status is < 200 or > 299 && !config.ContinueOnErrorStatus)
        {
            var retried = answer.Status is 408 or 429 or >= 500 && idempotent ? Retried(retries) : "";
            Log.HttpCallFailed(_logger, null, request.Method, Describe(url), $"HTTP {answer.Status}{retried}");
            throw new InvalidOperationException(FailureMessage);
        }
        return answer;
    }

    /// <summary>An address for messages, the trace and the log: scheme, host, port and path, without user info or query.</summary>
    public static string Describe(Uri url) => url.GetLeftPart(UriPartial.Path);

    private static ResiliencePipeline<HttpAnswer> CreatePipeline(int retries, int timeoutSeconds, bool idempotent)
    {
        // Real network time, so the wall clock (as the model calls, see AddEngineLlm), not the injected TimeProvider.
        var builder = new ResiliencePipelineBuilder<HttpAnswer> { TimeProvider = TimeProvider.System };
        // Outermost: all attempts and back-off together, so a step ends before the engine's node timeout would stop it.
        builder.AddTimeout(TimeSpan.FromSeconds(MaxTimeoutSeconds));
        if (retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpAnswer>
            {
                MaxRetryAttempts = retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, idempotent)),
            });
        }
        builder.AddTimeout(TimeSpan.FromSeconds(timeoutSeconds));
        return builder.Build();
    }

    /// <summary>Worth another attempt: for idempotent methods a transient status (408, 429, 5xx), a lost connection or an attempt
    /// timeout; for the others only a connection that could not be made (the request was never sent).</summary>
    private static bool IsTransient(Outcome<HttpAnswer> outcome, bool idempotent) => outcome switch
    {
        { Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } } => true,
        _ when !idempotent => false,
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result.Status: 408 or 429 or >= 500 } => true,
        _ => false,
    };

    private static async ValueTask<HttpAnswer> SendOnceAsync(HttpClient client, HttpNode.Input input, int maxBytes, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(input.Method), input.Url);
        if (input.Body is not null)
        {
            request.Content = new StringContent(input.Body, Encoding.UTF8, LooksLikeJson(input.Body) ? "application/json" : "text/plain");
        }
        foreach (var header in input.Headers)
        {
            if (request.Headers.TryAddWithoutValidation(header.Name, header.Value))
            {
                continue;
            }
            // Content headers (Content-Type and the like) belong to the body.
            request.Content ??= new ByteArrayContent([]);
            request.Content.Headers.Remove(header.Name);
            request.Content.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.Content.Headers.ContentLength > maxBytes)
        {
            throw new AnswerTooLargeException();
        }
        var body = await ReadAtMostAsync(response.Content, maxBytes, cancellationToken);
        return new HttpAnswer((int)response.StatusCode, body);
    }

    /// <summary>The body decoded with its charset (UTF-8 when none or unknown); throws when it is longer than <paramref name="maxBytes"/>.</summary>
    private static async ValueTask<string> ReadAtMostAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new AnswerTooLargeException();
            }
            buffer.Write(chunk, 0, read);
        }
        return EncodingOf(content.Headers.ContentType).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static Encoding EncodingOf(MediaTypeHeaderValue? contentType)
    {
        try
        {
            return contentType?.CharSet is { Length: > 0 } charset ? Encoding.GetEncoding(charset.Trim('"')) : Encoding.UTF8;
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8;
        }
    }

    private static bool LooksLikeJson(string body)
    {
        var trimmed = body.TrimStart();
        if (trimmed.Length == 0 || trimmed[0] is not ('{' or '['))
        {
            return false;
        }
        try
        {
            using var _ = JsonDocument.Parse(body);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>What happened, for the log only.</summary>
    private static string Detail(Exception exception, int timeoutSeconds, int retries, bool idempotent)
    {
        // Failed connections are retried for every method, the rest only for idempotent ones (see IsTransient).
        var after = idempotent ? Retried(retries) : "";
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case TimeoutRejectedException timeout:
                    return timeout.Timeout.TotalSeconds >= MaxTimeoutSeconds && timeoutSeconds < MaxTimeoutSeconds
                        ? $"no answer within {MaxTimeoutSeconds} s in all{after}"
                        : $"no answer within {timeoutSeconds} s{after}";
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } connection:
                    return $"could not connect: {(connection.InnerException as SocketException)?.Message ?? connection.Message}{Retried(retries)}";
                case HttpRequestException broken:
                    return $"the connection failed: {broken.Message}{after}";
            }
        }
        return exception.Message;
    }

    private static string Retried(int retries) => retries switch
    {
        0 => "",
        1 => " after 1 retry",
        _ => string.Create(CultureInfo.InvariantCulture, $" after {retries} retries"),
    };

    private sealed class AnswerTooLargeException : Exception;
}

/// <summary>An HTTP answer: its status and its body as text.</summary>
public sealed record HttpAnswer(int Status, string Body);
