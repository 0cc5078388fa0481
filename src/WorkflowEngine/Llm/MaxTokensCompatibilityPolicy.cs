using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json.Nodes;

namespace WorkflowEngine.Llm;

/// <summary>
/// The OpenAI SDK sends the answer-length limit as <c>max_completion_tokens</c>, which OpenAI wants, but several OpenAI-compatible
/// servers (Ollama, LM Studio, older vLLM) read only the older <c>max_tokens</c> and would ignore the node's "max tokens" setting.
/// For endpoints other than OpenAI's own, this copies the value into <c>max_tokens</c> as well. (OpenAI's reasoning models reject
/// <c>max_tokens</c>, so api.openai.com requests are left as the SDK wrote them.)
/// </summary>
internal sealed class MaxTokensCompatibilityPolicy : PipelinePolicy
{
    public static MaxTokensCompatibilityPolicy Instance { get; } = new();

    public static bool AppliesTo(Uri endpoint) => !endpoint.Host.Equals("api.openai.com", StringComparison.OrdinalIgnoreCase);

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        AddMaxTokens(message);
        ProcessNext(message, pipeline, currentIndex);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        AddMaxTokens(message);
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
    }

    private static void AddMaxTokens(PipelineMessage message)
    {
        if (message.Request.Content is not { } content ||
            message.Request.Uri?.AbsolutePath.EndsWith("/chat/completions", StringComparison.Ordinal) != true)
        {
            return;
        }
        using var buffer = new MemoryStream();
        content.WriteTo(buffer);
        if (JsonNode.Parse(buffer.ToArray()) is not JsonObject body ||
            body["max_completion_tokens"] is not JsonValue limit ||
            body.ContainsKey("max_tokens"))
        {
            return;
        }
        body["max_tokens"] = limit.DeepClone();
        message.Request.Content = BinaryContent.Create(BinaryData.FromString(body.ToJsonString()));
    }
}
