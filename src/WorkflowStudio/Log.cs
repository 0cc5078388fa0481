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

    [LoggerMessage(1030, LogLevel.Information, "Model provider '{Name}' ({ProviderId}) saved")]
    public static partial void ProviderSaved(ILogger logger, string name, string providerId);

    [LoggerMessage(1031, LogLevel.Information, "Model provider {ProviderId} deleted")]
    public static partial void ProviderDeleted(ILogger logger, string providerId);

    [LoggerMessage(1032, LogLevel.Warning, "The API key of model provider '{Name}' ({ProviderId}) cannot be decrypted with the current key ring; it must be entered again")]
    public static partial void ProviderKeyUnreadable(ILogger logger, Exception exception, string name, string providerId);

    [LoggerMessage(1033, LogLevel.Information, "Moved the API key of llm node '{NodeId}' in workflow '{Workflow}' into model provider {ProviderId}")]
    public static partial void InlineKeyMoved(ILogger logger, string nodeId, string workflow, string providerId);

    [LoggerMessage(1034, LogLevel.Information, "Imported {Count} Data Protection key ring files from {Folder} into the database; the folder is no longer read and can be removed once a backup of the database holds them")]
    public static partial void KeyRingImported(ILogger logger, int count, string folder);

    [LoggerMessage(1040, LogLevel.Information, "Administrator account {Email} created")]
    public static partial void AdministratorCreated(ILogger logger, string email);

    [LoggerMessage(1041, LogLevel.Information, "User {Email} added with the role {Role} by {Admin}")]
    public static partial void UserAdded(ILogger logger, string email, string role, string admin);

    [LoggerMessage(1042, LogLevel.Information, "User {Email} changed by {Admin}: {Change}")]
    public static partial void UserChanged(ILogger logger, string email, string change, string admin);

    [LoggerMessage(1043, LogLevel.Warning, "Sign-in refused for {Email}: {Reason}")]
    public static partial void SignInRefused(ILogger logger, string email, string reason);

    [LoggerMessage(1046, LogLevel.Information, "Account {Email} created at its first single sign-on, with the role {Role}")]
    public static partial void SingleSignOnAccountCreated(ILogger logger, string email, string role);

    [LoggerMessage(1020, LogLevel.Error, "A page failed; the user saw the friendly error message")]
    public static partial void PageFailed(ILogger logger, Exception exception);

    [LoggerMessage(1100, LogLevel.Error, "Run {RunId}: the run service failed outside the engine")]
    public static partial void RunServiceFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(1101, LogLevel.Warning, "Could not read the memory of conversation {ConversationId}; answering without earlier turns")]
    public static partial void MemoryReadFailed(ILogger logger, Exception exception, string conversationId);

    [LoggerMessage(1102, LogLevel.Warning, "Could not update the memory of conversation {ConversationId}")]
    public static partial void MemoryUpdateFailed(ILogger logger, Exception exception, string conversationId);

    [LoggerMessage(1103, LogLevel.Error, "Run {RunId} could not be recorded")]
    public static partial void RunRecordFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(1104, LogLevel.Error, "Storing {Count} runs failed; they are not recorded")]
    public static partial void RunBatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(1105, LogLevel.Warning, "Storing {Count} runs failed (attempt {Attempt}); trying again in {DelayMs} ms")]
    public static partial void RunBatchRetrying(ILogger logger, Exception exception, int count, int attempt, double delayMs);

    [LoggerMessage(1110, LogLevel.Warning, "Run {RunId}: a watcher of the run failed (the run continues)")]
    public static partial void RunSubscriberFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(1120, LogLevel.Information, "Engine warmed up in {Milliseconds:0} ms (a miss and a cache hit of the sample bot, outside every workflow; semantic matching too: {Semantic})")]
    public static partial void EngineWarmedUp(ILogger logger, double milliseconds, bool semantic);

    [LoggerMessage(1121, LogLevel.Warning, "Engine warm-up failed (nothing depends on it; the first runs are just slower)")]
    public static partial void EngineWarmUpFailed(ILogger logger, Exception exception);
}
