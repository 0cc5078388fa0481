using Microsoft.Extensions.Logging;

namespace WorkflowEngine.Execution;

/// <summary>Source-generated log messages of the execution area (event ids 2000–2099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Debug, Message = "Run {RunId} of workflow {WorkflowId} started")]
    public static partial void RunStarted(ILogger logger, string runId, string workflowId);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Run {RunId} of workflow {WorkflowId} ended {Status} in {ElapsedMs} ms")]
    public static partial void RunCompleted(ILogger logger, string runId, string workflowId, string status, double elapsedMs);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Run {RunId} refused: the workflow is not valid ({Problems})")]
    public static partial void RunRefused(ILogger logger, string runId, string problems);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Run {RunId}: node {NodeId} ({NodeType}) failed")]
    public static partial void NodeFailed(ILogger logger, Exception exception, string runId, string nodeId, string nodeType);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Run {RunId}: node {NodeId} took longer than {TimeoutSeconds} s and was stopped")]
    public static partial void NodeTimedOut(ILogger logger, string runId, string nodeId, double timeoutSeconds);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Run {RunId}: node {NodeId} could not finish its after-run work")]
    public static partial void CompletionParticipantFailed(ILogger logger, Exception exception, string runId, string nodeId);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Run {RunId} failed unexpectedly inside the runner")]
    public static partial void RunnerFailed(ILogger logger, Exception exception, string runId);
}
