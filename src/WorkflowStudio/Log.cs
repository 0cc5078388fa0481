namespace WorkflowStudio;

/// <summary>The studio's log messages, source-generated, with fixed event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Studio database ready at {DataSource} (new: {IsNew})")]
    public static partial void DatabaseReady(ILogger logger, string dataSource, bool isNew);

    [LoggerMessage(1001, LogLevel.Information, "Preloaded the sample workflow '{Name}' ({WorkflowId})")]
    public static partial void SampleSeeded(ILogger logger, string name, string workflowId);

    [LoggerMessage(1010, LogLevel.Information, "Imported workflow '{Name}' ({WorkflowId}) from {FileName}")]
    public static partial void WorkflowImported(ILogger logger, string name, string workflowId, string fileName);

    [LoggerMessage(1011, LogLevel.Information, "Deleted workflow {WorkflowId}")]
    public static partial void WorkflowDeleted(ILogger logger, string workflowId);

    [LoggerMessage(1020, LogLevel.Error, "A page failed; the user saw the friendly error message")]
    public static partial void PageFailed(ILogger logger, Exception exception);
}
