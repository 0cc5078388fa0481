using Microsoft.Extensions.Logging;

namespace WorkflowEngine;

/// <summary>Language-model log messages (event ids 4000–4099). Part of the engine's one partial <c>Log</c> class.
/// API keys are never logged; endpoints are logged without user info.</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Information, "No language model is configured (Llm:BaseUrl is empty); llm nodes answer offline from the knowledge base")]
    public static partial void OfflineResponderInUse(ILogger logger);

    [LoggerMessage(4001, LogLevel.Information, "Language model client created for {Endpoint} (timeout {TimeoutSeconds} s, {MaxRetries} retries)")]
    public static partial void LlmClientCreated(ILogger logger, string endpoint, int timeoutSeconds, int maxRetries);

    [LoggerMessage(4002, LogLevel.Warning, "Model call to {Endpoint} refused: its host is not on Llm:AllowedHosts")]
    public static partial void LlmHostRefused(ILogger logger, string endpoint);

    // The person chatting sees one message for every failure (see LlmFailures); what happened is told here only.
    [LoggerMessage(4003, LogLevel.Warning, "Model call to {Endpoint} failed: {Detail}")]
    public static partial void LlmCallFailed(ILogger logger, Exception exception, string endpoint, string detail);
}
