namespace WorkflowEngine.Nodes;

/// <summary>What a node type's one-line summary (shown on its card) may use besides its settings.</summary>
/// <param name="KnowledgeBaseName">Resolves a knowledge-base id to its display name, when known.</param>
public sealed record NodeSummaryContext(Func<string, string?>? KnowledgeBaseName = null)
{
    /// <summary>Longest summary a card shows.</summary>
    public const int MaxLength = 42;

    public static NodeSummaryContext Default { get; } = new();

    /// <summary>The knowledge base's name, its id when the name is unknown, or "No knowledge base".</summary>
    public string KnowledgeBase(string? id) =>
        string.IsNullOrWhiteSpace(id) ? "No knowledge base" : KnowledgeBaseName?.Invoke(id) ?? id;

    /// <summary>The text on one line, cut to <see cref="MaxLength"/> characters with an ellipsis.</summary>
    public static string Shorten(string? text)
    {
        if (text is null)
        {
            return "";
        }
        var oneLine = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= MaxLength ? oneLine : oneLine[..(MaxLength - 1)].TrimEnd() + "…";
    }
}

/// <summary>Implemented by a node type's settings record to describe itself in one line on the node's card
/// (the model, the knowledge base, the first words of a template).</summary>
public interface INodeSummary
{
    string Summarize(NodeSummaryContext context);
}
