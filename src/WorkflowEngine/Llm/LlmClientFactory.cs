using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;
using WorkflowEngine.Caching;

namespace WorkflowEngine.Llm;

/// <summary>Gives the <see cref="IChatClient"/> for a provider: the configured default, a node's own settings, or the offline responder.</summary>
public interface ILlmClientFactory
{
    /// <summary>The configured default provider (<see cref="LlmEndpoint.Offline"/> when none).</summary>
    LlmEndpoint Default { get; }

    /// <summary>A node's provider: its own settings where given, the default otherwise (see <see cref="LlmEndpoint.Resolve"/>).</summary>
    LlmEndpoint Resolve(string? baseUrl, string? apiKey, string? model);

    /// <summary>
    /// A node's provider when it may name a configured one: <paramref name="providerId"/>, when set, wins (its base URL and key,
    /// the node's model or else the provider's); otherwise as <see cref="Resolve(string?, string?, string?)"/>.
    /// </summary>
    /// <exception cref="LlmException">The named provider does not exist, or its key can no longer be decrypted.</exception>
    LlmEndpoint Resolve(string? providerId, string? baseUrl, string? apiKey, string? model);

    /// <summary>The chat client for a provider; the <see cref="OfflineResponder"/> when it is offline. Clients are cached per
    /// (base URL, key, model), at most <see cref="LlmOptions.MaxCachedClients"/> of them, and safe to share.</summary>
    /// <exception cref="LlmException">The base URL is malformed or not on <see cref="LlmOptions.AllowedHosts"/>, or no model is set.</exception>
    IChatClient GetClient(LlmEndpoint endpoint);
}

/// <summary>
/// OpenAI-compatible clients through Microsoft.Extensions.AI.OpenAI. Their HTTP goes through the named
/// <see cref="HttpClientName"/> client, whose resilience handler retries transient failures and bounds the total time
/// (see AddEngineLlm); the OpenAI SDK's own retries are switched off so that there is one retry policy, not two.
/// </summary>
internal sealed class LlmClientFactory(
    IHttpClientFactory httpClientFactory,
    IOptions<LlmOptions> options,
    ILlmProviderCatalog providers,
    OfflineResponder offline,
    ILogger<LlmClientFactory> logger) : ILlmClientFactory
{
    public const string HttpClientName = "WorkflowEngine.Llm";

    private readonly LlmOptions _options = options.Value;
    private readonly LruCache<LlmEndpoint, IChatClient> _clients = new(options.Value.MaxCachedClients);
    private int _offlineLogged;

    public LlmEndpoint Default => LlmEndpoint.Resolve(_options, null, null, null);

    public LlmEndpoint Resolve(string? baseUrl, string? apiKey, string? model) => LlmEndpoint.Resolve(_options, baseUrl, apiKey, model);

    public LlmEndpoint Resolve(string? providerId, string? baseUrl, string? apiKey, string? model)
    {
        if (string.IsNullOrWhiteSpace(providerId))
        {
            return Resolve(baseUrl, apiKey, model);
        }
        var provider = providers.Find(providerId.Trim())
            ?? throw new LlmException("The model provider this node uses no longer exists: pick another one in the node's settings (Model providers page).");
        if (provider.KeyUnreadable)
        {
            throw new LlmException($"The API key of the model provider '{provider.Name}' can no longer be decrypted (the studio's key ring changed): enter it again on the Model providers page.");
        }
        var name = !string.IsNullOrWhiteSpace(model) ? model.Trim() : provider.Model?.Trim();
        return new LlmEndpoint(provider.BaseUrl.Trim(), string.IsNullOrEmpty(provider.ApiKey) ? null : provider.ApiKey, string.IsNullOrEmpty(name) ? null : name);
    }

    public IChatClient GetClient(LlmEndpoint endpoint)
    {
        if (endpoint.IsOffline)
        {
            if (Interlocked.Exchange(ref _offlineLogged, 1) == 0)
            {
                Log.OfflineResponderInUse(logger);
            }
            return offline;
        }
        if (!LlmEndpoint.IsValidBaseUrl(endpoint.BaseUrl!))
        {
            throw new LlmException($"The language model base URL '{LlmEndpoint.DescribeUrl(endpoint.BaseUrl!)}' is not an absolute http or https URL (for example http://localhost:11434/v1).");
        }
        if (!LlmAllowedHosts.Allows(_options.AllowedHosts, endpoint.BaseUrl!))
        {
            Log.LlmHostRefused(logger, LlmEndpoint.DescribeUrl(endpoint.BaseUrl!));
            throw new LlmException(NotAllowedMessage(endpoint.BaseUrl!));
        }
        if (endpoint.Model is null)
        {
            throw new LlmException("No language model is set: give the llm node a model, or configure Llm:Model.");
        }
        return _clients.GetOrAdd(endpoint, Create);
    }

    /// <summary>The refusal for a base URL outside <see cref="LlmOptions.AllowedHosts"/> (also used for embeddings).</summary>
    public static string NotAllowedMessage(string baseUrl) =>
        $"The model provider at {LlmEndpoint.DescribeUrl(baseUrl)} is not on the list of allowed hosts (Llm:AllowedHosts); an administrator can add its host there.";

    /// <summary>How many chat clients are kept now (for tests of the bound).</summary>
    internal int CachedClientCount => _clients.Count;

    private IChatClient Create(LlmEndpoint endpoint)
    {
        var uri = new Uri(endpoint.BaseUrl!.Trim());
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = uri,
            Transport = new HttpClientPipelineTransport(httpClientFactory.CreateClient(HttpClientName)),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // Also the longest wait between two streamed chunks; the HTTP handler bounds the whole call.
            NetworkTimeout = TimeSpan.FromSeconds(_options.TimeoutSeconds),
        };
        if (MaxTokensCompatibilityPolicy.AppliesTo(uri))
        {
            clientOptions.AddPolicy(MaxTokensCompatibilityPolicy.Instance, PipelinePosition.PerCall);
        }
        // Local servers (Ollama, LM Studio) need no key, but the SDK insists on one; any placeholder does.
        var credential = new ApiKeyCredential(endpoint.ApiKey ?? "no-key");
        Log.LlmClientCreated(logger, endpoint.Description, _options.TimeoutSeconds, _options.MaxRetries);
        return new OpenAIClient(credential, clientOptions).GetChatClient(endpoint.Model!).AsIChatClient();
    }
}
