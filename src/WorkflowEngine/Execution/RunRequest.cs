namespace WorkflowEngine.Execution;

/// <summary>One question to a workflow. <see cref="History"/> holds earlier turns of the conversation, oldest first.</summary>
public sealed record RunRequest(string WorkflowId, string Query)
{
    public string ConversationId { get; init; } = RandomIds.New();
    public IReadOnlyList<ChatTurn> History { get; init; } = [];
    public string RunId { get; init; } = RandomIds.New();

    /// <summary>True when <see cref="ConversationId"/> was just created for this run (the caller sent none): there is no
    /// earlier turn to load from the conversation memory.</summary>
    public bool IsNewConversation { get; init; }
}

public sealed record ChatTurn(string Role, string Text)
{
    public const string User = "user";
    public const string Assistant = "assistant";
}
