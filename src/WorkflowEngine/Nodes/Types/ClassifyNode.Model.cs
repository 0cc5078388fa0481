using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WorkflowEngine.Llm;

namespace WorkflowEngine.Nodes.Types;

public sealed partial class ClassifyNode
{
    /// <summary>The system prompt when the model picks the class.</summary>
    public const string ModelInstructions =
        "You sort customer messages into classes. You get the classes, each with example messages, and one message. "
        + "Reply with the name of the one class the message belongs to, exactly as written, and nothing else. "
        + "If it belongs to none of them, reply: none";

    /// <summary>Examples per class shown to the model: enough to say what a class means, few enough to keep the call small.</summary>
    private const int ExamplesShownToModel = 5;

    /// <summary>Asks <paramref name="endpoint"/>'s model which class <paramref name="text"/> belongs to; returns its reply.</summary>
    /// <exception cref="LlmException">The model could not be asked (unreachable, error, timeout).</exception>
    private async Task<string> AskModelAsync(LlmEndpoint endpoint, Config config, string text, CancellationToken cancellationToken)
    {
        var prompt = new StringBuilder("Classes:\n");
        foreach (var c in (config.Classes ?? []).Where(c => !string.IsNullOrWhiteSpace(c?.Name)))
        {
            var examples = (c.Examples ?? []).Where(e => !string.IsNullOrWhiteSpace(e)).Take(ExamplesShownToModel)
                .Select(e => "\"" + e.Trim().ReplaceLineEndings(" ") + "\"");
            prompt.Append("- ").Append(c.Name.Trim()).Append(": for example ").AppendJoin("; ", examples).Append('\n');
        }
        prompt.Append("\nMessage: ").Append(text.ReplaceLineEndings(" "));
        ChatMessage[] messages = [new(ChatRole.System, ModelInstructions), new(ChatRole.User, prompt.ToString())];

        var options = llmOptions.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds));
        try
        {
            var response = await clients.GetClient(endpoint)
                .GetResponseAsync(messages, new ChatOptions { Temperature = 0, MaxOutputTokens = 32 }, timeout.Token)
                .ConfigureAwait(false);
            return response.Text.Trim();
        }
        catch (Exception ex) when (ex is not LlmException && !cancellationToken.IsCancellationRequested)
        {
            throw LlmFailures.Describe(ex, endpoint, options, timedOut: timeout.IsCancellationRequested, callerCancelled: false,
                logger ?? (ILogger)NullLogger.Instance) ?? new LlmException(LlmFailures.Message, ex);
        }
    }

    /// <summary>The class a model's reply names: the reply itself when it is a class name (any case, quotes and a final full
    /// stop ignored), else the one class name it contains as a word; null when it names none or several ("none" included).</summary>
    internal static string? ReadReply(string reply, IReadOnlyList<string> names)
    {
        var cleaned = reply.Trim().Trim('"', '\'', '`', '*', '.', '「', '」', '“', '”', ' ');
        if (names.FirstOrDefault(n => n.Length > 0 && string.Equals(n, cleaned, StringComparison.OrdinalIgnoreCase)) is { } exact)
        {
            return exact;
        }
        var mentioned = names.Where(n => n.Length > 0 && ContainsWord(cleaned, n)).Distinct(StringComparer.Ordinal).ToList();
        return mentioned.Count == 1 ? mentioned[0] : null;
    }

    private static bool ContainsWord(string text, string word)
    {
        for (var at = text.IndexOf(word, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(word, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var before = at == 0 || !char.IsLetterOrDigit(text[at - 1]);
            var end = at + word.Length;
            var after = end == text.Length || !char.IsLetterOrDigit(text[end]);
            if (before && after)
            {
                return true;
            }
        }
        return false;
    }
}
