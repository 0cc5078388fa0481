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

    /// <summary>True when a default provider is configured (otherwise the offline responder is the default).</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(BaseUrl);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
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
