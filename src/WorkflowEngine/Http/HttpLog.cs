using Microsoft.Extensions.Logging;

namespace WorkflowEngine;

/// <summary>HTTP request step log messages (event ids 4100–4199). Part of the engine's one partial <c>Log</c> class.
/// Addresses are logged without user info or query (which may hold keys).</summary>
internal static partial class Log
{
    [LoggerMessage(4100, LogLevel.Warning, "HTTP request to {Address} refused: its host is not on the allowed hosts ({Setting})")]
    public static partial void HttpHostRefused(ILogger logger, string address, string setting);

    // The person chatting sees one message for a refused connection, a timeout and an error status (see HttpRequestSender);
    // what happened is told here only.
    [LoggerMessage(4101, LogLevel.Warning, "HTTP request {Method} {Address} failed: {Detail}")]
    public static partial void HttpCallFailed(ILogger logger, Exception? exception, string method, string address, string detail);

    [LoggerMessage(4102, LogLevel.Warning, "HTTP request {Method} {Address} answered more than {Kilobytes} kB (HttpRequests:MaxResponseKilobytes)")]
    public static partial void HttpAnswerTooLarge(ILogger logger, string method, string address, int kilobytes);
}
