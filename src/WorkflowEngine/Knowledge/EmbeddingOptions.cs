namespace WorkflowEngine.Knowledge;

/// <summary>Where embeddings come from (configuration section <c>Embeddings</c>). Unset <see cref="BaseUrl"/> = the built-in
/// MiniLM model, in-process and offline.</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "Embeddings";

    /// <value>An OpenAI-compatible endpoint such as <c>https://api.openai.com/v1</c>; empty = built-in model.</value>
    public string? BaseUrl { get; set; }

    /// <value>The endpoint's API key (optional for local servers).</value>
    public string? ApiKey { get; set; }

    /// <value>The embedding model at the endpoint. Default <c>text-embedding-3-small</c>.</value>
    public string Model { get; set; } = "text-embedding-3-small";
}
