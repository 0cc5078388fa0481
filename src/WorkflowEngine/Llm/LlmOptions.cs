using System.ComponentModel.DataAnnotations;

namespace WorkflowEngine.Llm;

/// <summary>
/// The default language-model provider (configuration section <c>Llm</c>), used by llm nodes that leave their own
/// provider settings empty. Any OpenAI-compatible endpoint works: OpenAI (<c>https://api.openai.com/v1</c>), Ollama
/// (<c>http://localhost:11434/v1</c>), vLLM, LM Studio, DashScope and the like.
/// When no base URL is configured (here or on the node) the offline responder answers from the retrieved context instead.
/// </summary>
public sealed class LlmOptions : IValidatableObject
{
    public const string SectionName = "Llm";

    /// <summary>The OpenAI-compatible base URL, including the version segment (e.g. <c>http://localhost:11434/v1</c>).</summary>
    /// <value>Empty: no model is configured and the offline responder answers.</value>
    public string? BaseUrl { get; set; }

    /// <summary>The API key sent as a bearer token. Never logged or shown in error messages.</summary>
    /// <value>Empty: none (local servers such as Ollama do not need one).</value>
    public string? ApiKey { get; set; }

    /// <summary>The model name, e.g. <c>gpt-4o-mini</c> or <c>qwen2.5:7b</c>. Required when <see cref="BaseUrl"/> is set.</summary>
    public string? Model { get; set; }

    /// <summary>How long one model call may take in all, retries included, before it fails with a timeout message.</summary>
    /// <value>60 seconds.</value>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>How often a call that failed with a transient error (HTTP 5xx, 408, 429, connection failure) is tried again.</summary>
    /// <value>2.</value>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>The wait before the first retry; it doubles for each further retry (with jitter).</summary>
    /// <value>500 milliseconds.</value>
    [Range(0, 60_000)]
    public int RetryDelayMilliseconds { get; set; } = 500;

    /// <summary>
    /// The hosts model and embedding calls may go to: <c>host</c>, <c>host:port</c>, or <c>*.example.com</c> (any subdomain, not
    /// example.com itself; add it separately). Checked where a chat or embedding client is created, whoever set the base URL.
    /// </summary>
    /// <value>Empty: any host (only administrators can set base URLs in the studio).</value>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>Chat clients kept for reuse, one per endpoint (base URL, key, model); the least recently used goes first.</summary>
    /// <value>64.</value>
    [Range(1, 100_000)]
    public int MaxCachedClients { get; set; } = 64;

    /// <summary>True when a default provider is configured (otherwise the offline responder is the default).</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(BaseUrl);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var pattern in AllowedHosts)
        {
            if (!LlmAllowedHosts.IsValidPattern(pattern))
            {
                yield return new ValidationResult(
                    $"Llm:AllowedHosts holds '{pattern}', which is not a host, host:port or *.domain (for example api.openai.com, localhost:11434 or *.example.com).",
                    [nameof(AllowedHosts)]);
            }
        }
        if (BaseUrl is { Length: > 0 } configured && LlmEndpoint.IsValidBaseUrl(configured) && !LlmAllowedHosts.Allows(AllowedHosts, configured))
        {
            yield return new ValidationResult($"Llm:BaseUrl ({LlmEndpoint.DescribeUrl(configured)}) is not on Llm:AllowedHosts.", [nameof(BaseUrl)]);
        }
        if (string.IsNullOrWhiteSpace(BaseUrl))
        {
            yield break;
        }
        if (!LlmEndpoint.IsValidBaseUrl(BaseUrl))
        {
            yield return new ValidationResult(
                $"Llm:BaseUrl must be an absolute http or https URL such as http://localhost:11434/v1 (it is '{LlmEndpoint.DescribeUrl(BaseUrl)}').",
                [nameof(BaseUrl)]);
        }
        if (string.IsNullOrWhiteSpace(Model))
        {
            yield return new ValidationResult("Llm:Model is required when Llm:BaseUrl is set (for example gpt-4o-mini or qwen2.5:7b).", [nameof(Model)]);
        }
    }
}
