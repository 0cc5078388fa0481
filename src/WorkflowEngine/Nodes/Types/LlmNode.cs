using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WorkflowEngine.Execution;
using WorkflowEngine.Llm;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Nodes.Types;

/// <summary>
/// Asks a language model: system prompt, the last <see cref="Config.HistoryTurns"/> turns of the conversation, then the user prompt
/// (a template, usually the template node's text). Streams the answer token by token.
/// The provider is a studio-configured one (<see cref="Config.Provider"/>), the node's own (<see cref="Config.BaseUrl"/>, <see cref="Config.ApiKey"/>, <see cref="Config.Model"/>) or the
/// configured default (<see cref="LlmOptions"/>); with none, the <see cref="OfflineResponder"/> answers from the retrieved context and
/// the output <c>offline</c> is true.
/// </summary>
[NodeType("llm",
    DisplayName = "LLM",
    Category = "AI",
    Description = "Asks a language model and streams its answer. Uses the configured model, or answers offline from the knowledge base when none is set.",
    Icon = "Psychology",
    CacheKind = "llm_response",
    DefaultTtlSeconds = 600,
    Outputs = ["text", "inputTokens", "outputTokens", "offline"],
    Color = "#7c3aed", // violet
    PaletteOrder = 50,
    CallsModel = true)]
public sealed class LlmNode(ILlmClientFactory clients, IOptions<LlmOptions> options, ILogger<LlmNode>? logger = null) : Node<LlmNode.Config, LlmNode.Input>, IConversationalStep
{
    public const string DefaultPrompt = "{{ template.text }}";
    public const int MaxHistoryTurns = 50;
    public const int MaxTokensLimit = 200_000;

    private readonly LlmOptions _options = options.Value;
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <summary>The llm node's settings.</summary>
    public sealed record Config : INodeSummary, IOutboundAddresses
    {
        /// <summary>The model name; empty uses <c>Llm:Model</c>.</summary>
        public string Model { get; init; } = "";

        /// <summary>The id of a model provider configured in the studio (base URL, encrypted API key, default model); when set it
        /// wins over <see cref="BaseUrl"/> and <see cref="ApiKey"/>. Empty: the node's own base URL, or the configured default.</summary>
        public string Provider { get; init; } = "";

        /// <summary>An OpenAI-compatible base URL for this node only; empty uses <c>Llm:BaseUrl</c>.</summary>
        public string BaseUrl { get; init; } = "";

        /// <summary>The API key for this node's own base URL (or for the default one when only the key is set). Empty: the default
        /// key, but only for the default base URL, so it is never sent to another host.</summary>
        public string ApiKey { get; init; } = "";

        /// <summary>0 (focused) to 2 (creative).</summary>
        public double Temperature { get; init; } = 0.2;

        /// <summary>The longest answer, in tokens.</summary>
        public int MaxTokens { get; init; } = 512;

        /// <summary>The system prompt (a template; may be empty).</summary>
        public string SystemPrompt { get; init; } = "";

        /// <summary>The user prompt (a template).</summary>
        public string Prompt { get; init; } = DefaultPrompt;

        /// <summary>How many earlier conversation messages (each user question and each answer counts as one turn) go with the prompt.</summary>
        public int HistoryTurns { get; init; } = 5;

        public string Summarize(NodeSummaryContext context) => NodeSummaryContext.Shorten(
            string.Create(CultureInfo.InvariantCulture, $"{(string.IsNullOrWhiteSpace(Model) ? "Default model" : Model)} · temp {Temperature:0.##}"));

        /// <summary>The node's own base URL (a named provider's is set on the Model providers page, by administrators only).</summary>
        [System.Text.Json.Serialization.JsonIgnore]
        public IEnumerable<string> OutboundAddresses => string.IsNullOrWhiteSpace(BaseUrl) ? [] : [BaseUrl];
    }

    /// <summary>
    /// What the answer depends on besides the settings: the rendered prompts, the history sent, the provider actually used (the
    /// configured default can change without the node's settings changing; the API key is left out), and for offline answers the
    /// question and passages the offline responder reads.
    /// </summary>
    public sealed record Input(string Provider, string SystemPrompt, string Prompt, IReadOnlyList<ChatTurn> History, OfflineInput? Offline);

    /// <summary>What the offline responder answers from.</summary>
    public sealed record OfflineInput(string Question, IReadOnlyList<OfflineSource> Sources);

    protected override Input ResolveInput(NodeContext context, Config config)
    {
        var endpoint = clients.Resolve(config.Provider, config.BaseUrl, config.ApiKey, config.Model);
        var system = TemplateRenderer.Render(config.SystemPrompt, context).Trim();
        var prompt = TemplateRenderer.Render(config.Prompt, context).Trim();
        if (prompt.Length == 0)
        {
            // An empty rendered prompt (say, an upstream output was empty) still has a question to answer.
            prompt = context.Request.Query;
        }
        var offline = endpoint.IsOffline ? ResolveOfflineInput(context) : null;
        return new Input(endpoint.Description, system, prompt, HistorySent(context.Request, config), offline);
    }

    public ConversationalInput DescribeConversationalInput(NodeContext context)
    {
        var config = (Config)ReadConfig(context.Node);
        LlmEndpoint? endpoint;
        try
        {
            endpoint = clients.Resolve(config.Provider, config.BaseUrl, config.ApiKey, config.Model);
        }
        catch (LlmException)
        {
            endpoint = null;
        }
        return new ConversationalInput(HistorySent(context.Request, config), endpoint);
    }

    /// <summary>The earlier turns sent with the prompt: the last <see cref="Config.HistoryTurns"/> non-empty ones.</summary>
    private static List<ChatTurn> HistorySent(RunRequest request, Config config)
    {
        var turns = Math.Clamp(config.HistoryTurns, 0, MaxHistoryTurns);
        return turns == 0 ? [] : [.. request.History.Where(t => !string.IsNullOrWhiteSpace(t.Text)).TakeLast(turns)];
    }

    protected override async ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, Input input, CancellationToken cancellationToken)
    {
        var endpoint = clients.Resolve(config.Provider, config.BaseUrl, config.ApiKey, config.Model);
        var client = clients.GetClient(endpoint);
        var chatOptions = new ChatOptions
        {
            Temperature = (float)config.Temperature,
            MaxOutputTokens = config.MaxTokens,
        };
        if (input.Offline is { } offline)
        {
            OfflineResponder.SetContext(chatOptions, offline.Question, offline.Sources);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // The HTTP handler bounds the wait for the response; this also bounds reading a streamed answer.
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        var text = new StringBuilder();
        UsageDetails? usage = null;
        var updates = client.GetStreamingResponseAsync(BuildMessages(input), chatOptions, timeout.Token).GetAsyncEnumerator(timeout.Token);
        try
        {
            while (await NextAsync(updates, endpoint, timeout, cancellationToken))
            {
                var update = updates.Current;
                foreach (var content in update.Contents)
                {
                    if (content is UsageContent u)
                    {
                        usage = u.Details;
                    }
                }
                var piece = update.Text;
                if (piece.Length > 0)
                {
                    text.Append(piece);
                    await context.StreamTokenAsync(piece);
                }
            }
        }
        finally
        {
            await updates.DisposeAsync();
        }

        var answer = text.ToString();
        var isOffline = endpoint.IsOffline;
        var inputTokens = usage?.InputTokenCount ?? 0;
        var outputTokens = usage?.OutputTokenCount ?? 0;
        return new NodeResult(NodeOutputs.From(new { text = answer, inputTokens, outputTokens, offline = isOffline }))
        {
            Usage = isOffline ? null : new TokenUsage(inputTokens, outputTokens),
            StreamedText = answer,
            Details = new Dictionary<string, string>
            {
                ["provider"] = isOffline ? "offline responder (no model configured)" : LlmEndpoint.DescribeUrl(endpoint.BaseUrl!),
                ["model"] = isOffline ? OfflineResponder.ModelId : endpoint.Model ?? "",
            },
        };
    }

    /// <summary>The next streamed update; failures of the model call (not of whoever consumes the tokens) become plain messages.</summary>
    private async ValueTask<bool> NextAsync(IAsyncEnumerator<ChatResponseUpdate> updates, LlmEndpoint endpoint, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await updates.MoveNextAsync();
        }
        catch (Exception ex) when (ex is not LlmException)
        {
            var failure = LlmFailures.Describe(ex, endpoint, _options,
                timedOut: timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested,
                callerCancelled: cancellationToken.IsCancellationRequested, _logger);
            if (failure is null)
            {
                throw;
            }
            throw failure;
        }
    }

    protected override IEnumerable<string> Validate(Config config)
    {
        if (string.IsNullOrWhiteSpace(config.Prompt))
        {
            yield return "The prompt is empty; it usually is {{ template.text }}.";
        }
        if (TemplateRenderer.GetSyntaxError(config.Prompt) is { } promptError)
        {
            yield return $"Prompt: {promptError}";
        }
        if (TemplateRenderer.GetSyntaxError(config.SystemPrompt) is { } systemError)
        {
            yield return $"System prompt: {systemError}";
        }
        if (config.Temperature is < 0 or > 2 || double.IsNaN(config.Temperature))
        {
            yield return "Temperature must be between 0 and 2.";
        }
        if (config.MaxTokens is < 1 or > MaxTokensLimit)
        {
            yield return $"Max tokens must be between 1 and {MaxTokensLimit}.";
        }
        if (config.HistoryTurns is < 0 or > MaxHistoryTurns)
        {
            yield return $"History turns must be between 0 and {MaxHistoryTurns}.";
        }
        if (!string.IsNullOrWhiteSpace(config.BaseUrl) && !LlmEndpoint.IsValidBaseUrl(config.BaseUrl))
        {
            yield return "The base URL must be an absolute http or https URL such as http://localhost:11434/v1.";
        }
    }

    protected override IEnumerable<VariableReference> References(Config config) =>
        [.. TemplateReferenceFinder.Find(config.SystemPrompt, "systemPrompt"), .. TemplateReferenceFinder.Find(config.Prompt, "prompt")];

    private static List<ChatMessage> BuildMessages(Input input)
    {
        var messages = new List<ChatMessage>(input.History.Count + 2);
        if (input.SystemPrompt.Length > 0)
        {
            messages.Add(new ChatMessage(ChatRole.System, input.SystemPrompt));
        }
        foreach (var turn in input.History)
        {
            var role = string.Equals(turn.Role, ChatTurn.Assistant, StringComparison.OrdinalIgnoreCase) ? ChatRole.Assistant : ChatRole.User;
            messages.Add(new ChatMessage(role, turn.Text));
        }
        messages.Add(new ChatMessage(ChatRole.User, input.Prompt));
        return messages;
    }

    /// <summary>The offline responder's question (the cleaned question when a clean node ran, else the user's message) and the
    /// passages of the first retrieve node that ran (its chunks, best first; its joined context when it has no chunks).</summary>
    private static OfflineInput ResolveOfflineInput(NodeContext context)
    {
        var question = context.Graph.Nodes
            .Where(n => n.Type == NodeRegistry.KeyOf<CleanNode>())
            .Select(n => context.GetOutputs(n.Id)?.GetString("text"))
            .FirstOrDefault(t => !string.IsNullOrWhiteSpace(t)) ?? context.Request.Query;

        foreach (var node in context.Graph.Nodes.Where(n => n.Type == NodeRegistry.KeyOf<RetrieveNode>()))
        {
            if (context.GetOutputs(node.Id) is not { } outputs)
            {
                continue;
            }
            var sources = new List<OfflineSource>();
            if (outputs.TryGet("chunks", out var chunks) && chunks.ValueKind == JsonValueKind.Array)
            {
                foreach (var chunk in chunks.EnumerateArray())
                {
                    var text = StringProperty(chunk, "text");
                    if (!string.IsNullOrWhiteSpace(text))
                    {
                        sources.Add(new OfflineSource(text, StringProperty(chunk, "documentName"), StringProperty(chunk, "heading"),
                            chunk.TryGetProperty("ordinal", out var ordinal) && ordinal.TryGetInt32(out var position) ? position : null));
                    }
                }
            }
            if (sources.Count == 0 && outputs.GetString("context") is { Length: > 0 } joined)
            {
                sources.Add(new OfflineSource(joined));
            }
            if (sources.Count > 0)
            {
                return new OfflineInput(question, sources);
            }
        }
        return new OfflineInput(question, []);
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
