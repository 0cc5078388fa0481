using System.ClientModel;
using System.Net.Sockets;
using Polly.Timeout;

namespace WorkflowEngine.Llm;

/// <summary>Turns what the HTTP stack and the OpenAI SDK throw into one plain-language <see cref="LlmException"/>.</summary>
internal static class LlmFailures
{
    /// <summary>The message for a failed call, or null when the caller cancelled (that is not a failure to report).</summary>
    public static LlmException? Describe(Exception exception, LlmEndpoint endpoint, LlmOptions options, bool timedOut, bool callerCancelled)
    {
        if (exception is LlmException known)
        {
            return known;
        }
        if (callerCancelled && exception is OperationCanceledException)
        {
            return null;
        }
        var where = LlmEndpoint.DescribeUrl(endpoint.BaseUrl ?? "");
        if (timedOut || Chain(exception).Any(e => e is TimeoutRejectedException or TimeoutException || e is OperationCanceledException && !callerCancelled))
        {
            return new LlmException(
                $"The language model did not answer within {options.TimeoutSeconds} s ({where}). It may be overloaded; try again, or raise Llm:TimeoutSeconds.",
                exception);
        }
        var status = Chain(exception).OfType<ClientResultException>().Select(e => e.Status).FirstOrDefault(s => s > 0);
        if (status > 0)
        {
            var detail = status switch
            {
                401 or 403 => "The API key was rejected; check the key in the node settings or Llm:ApiKey.",
                404 => $"The model '{endpoint.Model}' or the address was not found; check the model name and that the base URL ends with the API version (e.g. /v1).",
                429 => $"The service is rate-limiting requests{RetriedText(options)}; try again later.",
                >= 500 => $"It did not recover{RetriedText(options)}; try again later or check the service.",
                _ => endpoint.Redact(FirstLine(exception.Message)),
            };
            return new LlmException($"The language model service returned an error (HTTP {status}) at {where}. {detail}", exception);
        }
        var network = Chain(exception).FirstOrDefault(e => e is HttpRequestException or SocketException);
        if (network is not null)
        {
            var reason = Chain(exception).OfType<SocketException>().FirstOrDefault()?.Message ?? FirstLine(network.Message);
            return new LlmException(
                $"Could not reach the language model service at {where} ({endpoint.Redact(reason)}). Check that it is running and the base URL is right.",
                exception);
        }
        return new LlmException($"The language model call failed: {endpoint.Redact(FirstLine(exception.Message))}", exception);
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
