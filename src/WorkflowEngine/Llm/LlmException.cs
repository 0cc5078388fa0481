namespace WorkflowEngine.Llm;

/// <summary>A model call failed; the message is plain language for the person chatting (no stack trace, no API key).</summary>
public sealed class LlmException : Exception
{
    public LlmException(string message)
        : base(message)
    {
    }

    public LlmException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
