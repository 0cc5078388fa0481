namespace WorkflowEngine.Execution;

/// <summary>A node failed; <see cref="Exception.Message"/> is the plain-language text shown to the user (the original exception,
/// if any, is the inner exception and goes to the log).</summary>
public sealed class NodeExecutionException(string nodeId, string message, Exception? innerException = null) : Exception(message, innerException)
{
    public string NodeId { get; } = nodeId;
}
