using System.ClientModel;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace WorkflowEngine.Llm;

/// <summary>
/// Turns what the HTTP stack and the OpenAI SDK throw into one <see cref="LlmException"/>. Whoever sees the message (the person
/// chatting, an API caller with a run key) learns only that the call failed: the same text for a refused connection, a timeout
/// and any HTTP error, so that a base URL cannot be used to find out which internal addresses answer. The log keeps what
/// happened (status, reason, retries) for the administrator.
/// </summary>
internal static class LlmFailures
{
    public const string Message =
        "The model provider could not be reached or refused the request. Try again later; if it keeps failing, an administrator can find the reason in the studio's log.";

    /// <summary>The exception for a failed call, or null when the caller cancelled (that is not a failure to report).</summary>
    public static LlmException? Describe(Exception exception, LlmEndpoint endpoint, LlmOptions options, bool timedOut, bool callerCancelled, ILogger logger)
    {
        if (exception is LlmException known)
        {
            return known;
        }
        if (callerCancelled && exception is OperationCanceledException)
        {
            return null;
        }
        Log.LlmCallFailed(logger, exception, endpoint.Description, endpoint.Redact(Detail(exception, endpoint, options, timedOut, callerCancelled)));
        return new LlmException(Message);
    }

    /// <summary>What happened, for the log.</summary>
    private static string Detail(Exception exception, LlmEndpoint endpoint, LlmOptions options, bool timedOut, bool callerCancelled)
    {
        if (timedOut || Chain(exception).Any(e => e is TimeoutRejectedException or TimeoutException || e is OperationCanceledException && !callerCancelled))
        {
            return $"no answer within {options.TimeoutSeconds} s (Llm:TimeoutSeconds)";
        }
        var status = Chain(exception).OfType<ClientResultException>().Select(e => e.Status).FirstOrDefault(s => s > 0);
        if (status > 0)
        {
            var detail = status switch
            {
                401 or 403 => "the API key was rejected",
                404 => $"the model '{endpoint.Model}' or the address was not found (does the base URL end with the API version, e.g. /v1?)",
                429 => $"rate-limited{RetriedText(options)}",
                >= 500 => $"server error{RetriedText(options)}",
                _ => FirstLine(exception.Message),
            };
            return $"HTTP {status}: {detail}";
        }
        var network = Chain(exception).FirstOrDefault(e => e is HttpRequestException or SocketException);
        if (network is not null)
        {
            return "could not connect: " + (Chain(exception).OfType<SocketException>().FirstOrDefault()?.Message ?? FirstLine(network.Message));
        }
        return FirstLine(exception.Message);
    }

    private static string RetriedText(LlmOptions options) =>
        options.MaxRetries switch
        {
            0 => "",
            1 => " after 1 retry",
            var n => $" after {n} retries",
        };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
