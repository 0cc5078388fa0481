using System.ComponentModel.DataAnnotations;
using WorkflowEngine.Llm;

namespace WorkflowEngine.Http;

/// <summary>Limits of the HTTP request step (configuration section <c>HttpRequests</c>).</summary>
public sealed class HttpRequestStepOptions : IValidatableObject
{
    public const string SectionName = "HttpRequests";

    /// <summary>
    /// The hosts HTTP request steps may call: <c>host</c>, <c>host:port</c> or <c>*.example.com</c>, as in
    /// <see cref="LlmOptions.AllowedHosts"/>. Checked on every run, before the cache is asked, whoever wrote the step.
    /// </summary>
    /// <value>Empty: <c>Llm:AllowedHosts</c> applies, so a deployment that limits outbound calls stays limited; when both are
    /// empty any host (only administrators can set a step's address in the studio).</value>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>The largest answer a step reads; a larger one fails the step with a message saying so.</summary>
    /// <value>256 kB.</value>
    [Range(1, 10 * 1024)]
    public int MaxResponseKilobytes { get; set; } = 256;

    public int MaxResponseBytes => MaxResponseKilobytes * 1024;

    /// <summary>The list in force: <see cref="AllowedHosts"/>, or <c>Llm:AllowedHosts</c> while it is empty.</summary>
    public IReadOnlyCollection<string> EffectiveAllowedHosts(LlmOptions llm) => AllowedHosts.Length > 0 ? AllowedHosts : llm.AllowedHosts;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var pattern in AllowedHosts.Where(p => !LlmAllowedHosts.IsValidPattern(p)))
        {
            yield return new ValidationResult(
                $"{SectionName}:AllowedHosts holds '{pattern}', which is not a host, host:port or *.domain (for example api.example.com, localhost:8080 or *.example.com).",
                [nameof(AllowedHosts)]);
        }
    }
}
