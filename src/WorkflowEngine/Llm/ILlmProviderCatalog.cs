namespace WorkflowEngine.Llm;

/// <summary>
/// A named OpenAI-compatible provider configured in the studio, with its API key decrypted (keep it in memory only).
/// <see cref="KeyUnreadable"/> is set when the stored key exists but can no longer be decrypted (the key ring changed).
/// </summary>
public sealed record LlmProviderSettings(string Id, string Name, string BaseUrl, string? ApiKey, string? Model, bool KeyUnreadable = false)
{
    public override string ToString() => $"{Name} ({LlmEndpoint.DescribeUrl(BaseUrl)})"; // never the key
}

/// <summary>
/// The providers an llm node can name in its <c>provider</c> setting. The engine alone knows none (<see cref="NoLlmProviders"/>);
/// the studio supplies its encrypted provider store. Lookups are synchronous and cheap: they happen on every llm node run.
/// </summary>
public interface ILlmProviderCatalog
{
    /// <summary>The provider with this id, or null when there is none.</summary>
    LlmProviderSettings? Find(string id);

    /// <summary>Every provider, by name (for pickers; never show <see cref="LlmProviderSettings.ApiKey"/>).</summary>
    IReadOnlyList<LlmProviderSettings> All { get; }
}

/// <summary>The catalog of a host that configures no providers.</summary>
public sealed class NoLlmProviders : ILlmProviderCatalog
{
    public LlmProviderSettings? Find(string id) => null;

    public IReadOnlyList<LlmProviderSettings> All => [];
}
