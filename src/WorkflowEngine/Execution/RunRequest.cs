namespace WorkflowEngine.Execution;

/// <summary>One question to a workflow. <see cref="History"/> holds earlier turns of the conversation, oldest first.</summary>
public sealed record RunRequest(string WorkflowId, string Query)
{
    public string ConversationId { get; init; } = Guid.NewGuid().ToString("n");
    public IReadOnlyList<ChatTurn> History { get; init; } = [];
    public string RunId { get; init; } = Guid.NewGuid().ToString("n");
}

public sealed record ChatTurn(string Role, string Text)
{
    public const string User = "user";
    public const string Assistant = "assistant";
}
