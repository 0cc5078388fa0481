using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WorkflowEngine.Execution;

namespace WorkflowEngine.Llm;

/// <summary>Asks a model to rewrite a follow-up ("How do I return it?") into a question that stands on its own ("How do I
/// return a jacket that is too small?"), for the response-cache gate's standalone-question option: the gate keys on the
/// rewrite, so a follow-up can reuse an answer across conversations only when it means the same thing on its own.</summary>
public sealed class StandaloneQuestionWriter(ILlmClientFactory clients, IOptions<LlmOptions> options, ILogger<StandaloneQuestionWriter>? logger = null)
{
    /// <summary>The system prompt of the rewrite call.</summary>
    public const string Instructions =
        "Rewrite the customer's last message as one self-contained question that can be understood without the conversation. "
        + "Keep every detail it depends on (products, names, numbers, places), add nothing else, and keep its language. "
        + "Reply with the question only.";

    /// <summary>Up to this many characters of rewrite are used; a model that rambles past it is cut off.</summary>
    public const int MaxLength = 500;

    /// <summary>The follow-up rewritten by <paramref name="endpoint"/>'s model (one line, trimmed; empty when the model gave nothing).</summary>
    /// <exception cref="LlmException">The model could not be asked (unreachable, error, timeout).</exception>
    public async ValueTask<string> RewriteAsync(LlmEndpoint endpoint, IReadOnlyList<ChatTurn> history, string followUp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var transcript = new StringBuilder("Conversation so far:\n");
        foreach (var turn in history)
        {
            transcript.Append(string.Equals(turn.Role, ChatTurn.Assistant, StringComparison.OrdinalIgnoreCase) ? "Assistant: " : "Customer: ")
                .Append(turn.Text.ReplaceLineEndings(" ")).Append('\n');
        }
        transcript.Append("\nLast message: ").Append(followUp.ReplaceLineEndings(" "));
        ChatMessage[] messages = [new(ChatRole.System, Instructions), new(ChatRole.User, transcript.ToString())];

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.TimeoutSeconds));
        ChatResponse response;
        try
        {
            response = await clients.GetClient(endpoint)
                .GetResponseAsync(messages, new ChatOptions { Temperature = 0, MaxOutputTokens = 128 }, timeout.Token)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not LlmException && !cancellationToken.IsCancellationRequested)
        {
            throw LlmFailures.Describe(ex, endpoint, options.Value, timedOut: timeout.IsCancellationRequested, callerCancelled: false,
                logger ?? (ILogger)NullLogger.Instance)!;
        }
        var text = response.Text.ReplaceLineEndings(" ").Trim();
        return text.Length > MaxLength ? text[..MaxLength] : text;
    }
}
