using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Text;

namespace WorkflowEngine.Llm;

/// <summary>One retrieved passage the offline responder may answer from (best first); <paramref name="Ordinal"/> is its
/// position in its document, when known.</summary>
public sealed record OfflineSource(string Text, string? DocumentName = null, string? Heading = null, int? Ordinal = null);

/// <summary>
/// The <see cref="IChatClient"/> used when no language model is configured: it answers with the sentences of the top retrieved
/// document (every passage of it that was retrieved, in the document's order) that best match the question, earlier sentences
/// first on a tie, labelled with <see cref="Label"/>, and streams them word by word.
/// <para>How it gets question and context: the caller puts them in <see cref="ChatOptions.AdditionalProperties"/> with
/// <see cref="SetContext"/> (the llm node does this with the user's cleaned question and the upstream retrieve node's chunks).
/// Without them it takes the last user message as the question and has no context, so it says it has no information.</para>
/// Written by hand because this is extractive selection over one passage, not generation: a small overlap score
/// (stemmed words for alphabetic text, segmented words for Chinese: WorkflowEngine.Text) is all it needs.
/// </summary>
public sealed partial class OfflineResponder : IChatClient
{
    /// <summary>The start of every offline answer, so nobody mistakes it for a model's answer.</summary>
    public const string Label = "(Offline answer from the knowledge base) ";

    /// <summary>The offline answer when there is nothing to answer from.</summary>
    public const string NoInformation = "I have no information on that in the knowledge base.";

    /// <summary>The same, for a question asked in Chinese.</summary>
    public const string NoInformationChinese = "知识库里没有这方面的信息。";

    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key: the question (string).</summary>
    public const string QuestionProperty = "workflowstudio.offline.question";

    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key: the retrieved passages, best first (IReadOnlyList&lt;OfflineSource&gt;).</summary>
    public const string SourcesProperty = "workflowstudio.offline.sources";

    public const string ModelId = "offline";

    private const int MaxSentences = 2;

    private static readonly ChatClientMetadata Metadata = new("offline", null, ModelId);

    /// <summary>Puts the question and the retrieved passages (best first) where <see cref="OfflineResponder"/> reads them.</summary>
    public static void SetContext(ChatOptions options, string question, IReadOnlyList<OfflineSource> sources)
    {
        options.AdditionalProperties ??= [];
        options.AdditionalProperties[QuestionProperty] = question;
        options.AdditionalProperties[SourcesProperty] = sources;
    }

    /// <summary>The offline answer, label included.</summary>
    public static string Compose(string question, IReadOnlyList<OfflineSource> sources)
    {
        var noInformation = Label + (CjkText.Contains(question) ? NoInformationChinese : NoInformation);
        var top = sources.FirstOrDefault(s => !string.IsNullOrWhiteSpace(s.Text));
        if (top is null)
        {
            return noInformation;
        }
        // The passages of the top document that were retrieved, in the document's order (chunks overlap, so a sentence may
        // come twice): an article's answer often starts before the passage that ranked first.
        var passages = top.DocumentName is null
            ? [top]
            : sources.Where(s => s.DocumentName == top.DocumentName && !string.IsNullOrWhiteSpace(s.Text))
                .Select((s, rank) => (s, rank)).OrderBy(p => p.s.Ordinal ?? int.MaxValue).ThenBy(p => p.rank).Select(p => p.s).ToList();
        var pieces = passages.SelectMany(p => SplitSentences(p.Text)).Distinct(StringComparer.Ordinal).ToList();
        // An overlap may also start mid-sentence: drop a piece that is part of a longer one.
        var sentences = pieces.Where(p => !pieces.Any(other => other.Length > p.Length && other.Contains(p, StringComparison.Ordinal))).ToList();
        if (sentences.Count == 0)
        {
            return noInformation;
        }

        var questionTerms = Terms(question).ToHashSet(StringComparer.Ordinal);
        var questionPhrases = WordPairs(question);
        var scored = sentences
            .Select((text, index) => (text, index, score: Score(questionTerms, questionPhrases, text)))
            .ToList();
        var best = scored.Max(s => s.score);
        var chosen = best > 0
            ? scored.Where(s => s.score >= best / 2).OrderByDescending(s => s.score).ThenBy(s => s.index).Take(MaxSentences)
            // Retrieval ranked this passage first, so its opening is the best guess when no word matches.
            : scored.Take(MaxSentences);

        var ordered = chosen.OrderBy(s => s.index).Select(s => s.text).ToList();
        var separator = ordered.Any(CjkText.Contains) ? "" : " ";
        var answer = new StringBuilder(Label).AppendJoin(separator, ordered);
        var source = DisplayName(top.DocumentName) ?? top.Heading?.Trim();
        if (!string.IsNullOrWhiteSpace(source))
        {
            answer.Append(" (Source: ").Append(source).Append(')');
        }
        return answer.ToString();
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var text = Answer(messages, options);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { ModelId = ModelId, FinishReason = ChatFinishReason.Stop });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var text = Answer(messages, options);
        foreach (var piece in SplitWords(text))
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Let the consumer render each word as it comes, as with a real model.
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ModelId = ModelId };
        }
        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = ChatFinishReason.Stop, ModelId = ModelId };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // Stateless; shared by every caller.
    }

    /// <summary>Splits a text into streamable pieces: words with their leading whitespace, CJK characters one by one.
    /// Concatenating the pieces gives the text back.</summary>
    public static IReadOnlyList<string> SplitWords(string text)
    {
        var pieces = WordPiece().Matches(text).Select(m => m.Value).ToList();
        var covered = pieces.Sum(p => p.Length);
        if (covered < text.Length)
        {
            if (pieces.Count == 0)
            {
                pieces.Add(text);
            }
            else
            {
                pieces[^1] += text[covered..];
            }
        }
        return pieces;
    }

    private static string Answer(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var properties = options?.AdditionalProperties;
        var question = properties?.TryGetValue(QuestionProperty, out var q) == true && q is string s
            ? s
            : messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        var sources = properties?.TryGetValue(SourcesProperty, out var v) == true && v is IReadOnlyList<OfflineSource> list ? list : [];
        return Compose(question, sources);
    }

    /// <summary>A document name as people call it: "refunds.md" becomes "refunds".</summary>
    private static string? DisplayName(string? documentName)
    {
        var name = documentName?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }
        foreach (var extension in (string[])[".md", ".markdown", ".txt"])
        {
            if (name.Length > extension.Length && name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                return name[..^extension.Length];
            }
        }
        return name;
    }

    private static double Score(HashSet<string> questionTerms, HashSet<string> questionPhrases, string sentence)
    {
        var terms = Terms(sentence).ToHashSet(StringComparer.Ordinal);
        if (terms.Count == 0 || questionTerms.Count == 0)
        {
            return 0;
        }
        var overlap = terms.Count(questionTerms.Contains);
        if (overlap == 0)
        {
            return 0;
        }
        // A sentence that echoes the question's own wording ("get a refund" for "How do I get a refund?") answers it more
        // surely than one that only shares its key word: each shared pair of adjacent words counts like a shared term.
        var echoed = questionPhrases.Count == 0 ? 0 : WordPairs(sentence).Count(questionPhrases.Contains);
        // Dividing by the square root of the length keeps long sentences from winning on size alone.
        return (overlap + echoed) / Math.Sqrt(terms.Count);
    }

    /// <summary>Adjacent pairs of the lower-cased words of <paramref name="text"/> (stop words included, CJK left out: its
    /// segmented words are specific enough alone).</summary>
    private static HashSet<string> WordPairs(string text)
    {
        var pairs = new HashSet<string>(StringComparer.Ordinal);
        string? previous = null;
        foreach (var word in WordTokenizer.Words(text))
        {
            var folded = WordTokenizer.Fold(word);
            if (previous is not null)
            {
                pairs.Add(previous + " " + folded);
            }
            previous = folded;
        }
        return pairs;
    }

    /// <summary>Index terms: stemmed words without stop words, segmented Chinese words without frame words
    /// (<see cref="WordTokenizer.ContentTerms"/>).</summary>
    internal static IEnumerable<string> Terms(string text) => WordTokenizer.ContentTerms(text);

    internal static List<string> SplitSentences(string text)
    {
        var sentences = new List<string>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            // Markdown headings name a passage; they are not an answer.
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            line = ListMarker().Replace(line, "");
            foreach (Match match in Sentence().Matches(line))
            {
                var sentence = match.Value.Trim();
                if (sentence.Any(char.IsLetterOrDigit))
                {
                    sentences.Add(sentence);
                }
            }
        }
        return sentences;
    }


    // A sentence ends at . ! ? (followed by space or end) or at the CJK full stops, which need no space after them.
    [GeneratedRegex(@"[^。！？；]+?(?:[.!?](?=\s|$)|[。！？；]|$)")]
    private static partial Regex Sentence();

    [GeneratedRegex(@"^(?:[-*+•]|\d+[.)])\s+")]
    private static partial Regex ListMarker();

    [GeneratedRegex(@"\s*(?:\p{IsCJKUnifiedIdeographs}|\p{IsCJKSymbolsandPunctuation}|\p{IsHalfwidthandFullwidthForms}|[^\s\p{IsCJKUnifiedIdeographs}\p{IsCJKSymbolsandPunctuation}\p{IsHalfwidthandFullwidthForms}]+)")]
    private static partial Regex WordPiece();
}
