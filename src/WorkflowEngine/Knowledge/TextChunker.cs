using System.Text;
using System.Text.RegularExpressions;

namespace WorkflowEngine.Knowledge;

/// <summary>Splits a Markdown or plain-text document into chunks for search.</summary>
/// <remarks>
/// Rules: a heading (<c># ...</c> to <c>###### ...</c>) always starts a new chunk and every chunk remembers the heading it sits
/// under; inside a section, whole paragraphs are packed together up to <c>targetSize</c> characters; a paragraph longer than that
/// is cut at sentence ends, and a sentence longer than that at spaces. When a section needs several chunks, each chunk after the
/// first starts with the last <c>overlap</c> characters (rounded to whole words) of the one before, so a fact that straddles a
/// boundary is still found whole in one chunk. Overlap never crosses a heading.
/// </remarks>
public static partial class TextChunker
{
    public static IReadOnlyList<KnowledgeChunk> Chunk(string documentId, string documentName, string text, int targetSize, int overlap)
    {
        targetSize = Math.Max(50, targetSize);
        overlap = Math.Clamp(overlap, 0, targetSize / 2);
        var chunks = new List<KnowledgeChunk>();
        foreach (var (heading, paragraphs) in Sections(text))
        {
            foreach (var body in PackSection(paragraphs, targetSize, overlap))
            {
                chunks.Add(new KnowledgeChunk(documentId, documentName, heading, body, chunks.Count));
            }
        }
        return chunks;
    }

    private static IEnumerable<(string? Heading, List<string> Paragraphs)> Sections(string text)
    {
        string? heading = null;
        var paragraphs = new List<string>();
        var current = new StringBuilder();
        var inFence = false;

        void EndParagraph()
        {
            var p = current.ToString().Trim();
            if (p.Length > 0)
            {
                paragraphs.Add(p);
            }
            current.Clear();
        }

        foreach (var rawLine in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = rawLine.TrimEnd();
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
            }
            var headingText = inFence ? null : HeadingText(line);
            if (headingText is not null)
            {
                EndParagraph();
                if (paragraphs.Count > 0)
                {
                    yield return (heading, paragraphs);
                }
                paragraphs = [];
                heading = headingText;
            }
            else if (line.Trim().Length == 0 && !inFence)
            {
                EndParagraph();
            }
            else
            {
                if (current.Length > 0)
                {
                    current.Append('\n');
                }
                current.Append(line);
            }
        }
        EndParagraph();
        if (paragraphs.Count > 0)
        {
            yield return (heading, paragraphs);
        }
    }

    private static List<string> PackSection(List<string> paragraphs, int targetSize, int overlap)
    {
        // Break oversized paragraphs into pieces that fit, then pack pieces greedily.
        var pieces = new List<(string Text, bool StartsParagraph)>();
        foreach (var p in paragraphs)
        {
            var first = true;
            foreach (var piece in SplitToFit(p, targetSize - overlap))
            {
                pieces.Add((piece, first));
                first = false;
            }
        }

        var chunks = new List<string>();
        var sb = new StringBuilder();
        var hasOwnContent = false;
        foreach (var (piece, startsParagraph) in pieces)
        {
            var separator = sb.Length == 0 ? "" : startsParagraph ? "\n\n" : " ";
            if (hasOwnContent && sb.Length + separator.Length + piece.Length > targetSize)
            {
                var done = sb.ToString();
                chunks.Add(done);
                sb.Clear();
                var tail = Tail(done, overlap);
                sb.Append(tail);
                hasOwnContent = false;
                separator = sb.Length == 0 ? "" : " ";
            }
            sb.Append(separator).Append(piece);
            hasOwnContent = true;
        }
        if (hasOwnContent)
        {
            chunks.Add(sb.ToString());
        }
        return chunks;
    }

    /// <summary>The last <paramref name="overlap"/> characters of <paramref name="text"/>, starting at a word.</summary>
    internal static string Tail(string text, int overlap)
    {
        if (overlap <= 0 || text.Length == 0)
        {
            return "";
        }
        if (text.Length <= overlap)
        {
            return text;
        }
        var start = text.Length - overlap;
        var space = text.IndexOfAny([' ', '\n'], start);
        return space < 0 ? "" : text[(space + 1)..].TrimStart();
    }

    private static IEnumerable<string> SplitToFit(string paragraph, int limit)
    {
        limit = Math.Max(20, limit);
        if (paragraph.Length <= limit)
        {
            yield return paragraph;
            yield break;
        }
        var sb = new StringBuilder();
        foreach (var sentence in SentenceRegex().Split(paragraph).Where(s => s.Length > 0))
        {
            foreach (var part in SplitWords(sentence, limit))
            {
                if (sb.Length > 0 && sb.Length + 1 + part.Length > limit)
                {
                    yield return sb.ToString();
                    sb.Clear();
                }
                if (sb.Length > 0)
                {
                    sb.Append(' ');
                }
                sb.Append(part);
            }
        }
        if (sb.Length > 0)
        {
            yield return sb.ToString();
        }
    }

    private static IEnumerable<string> SplitWords(string sentence, int limit)
    {
        var s = sentence.Trim();
        while (s.Length > limit)
        {
            var cut = s.LastIndexOf(' ', limit);
            if (cut <= 0)
            {
                cut = limit; // one very long "word" (or text without spaces, such as Chinese): cut hard
            }
            yield return s[..cut].Trim();
            s = s[cut..].Trim();
        }
        if (s.Length > 0)
        {
            yield return s;
        }
    }

    /// <summary>The text of a Markdown ATX heading, or null when <paramref name="line"/> is not one: up to three spaces, one to
    /// six '#', white space, the text, and an optional closing run of '#' after white space ("# C#" keeps its '#'). Scanned by
    /// hand in one pass, because a pattern with a lazy group before an optional '#' run backtracks quadratically on a long line
    /// of '#', and documents come from anyone who may upload.</summary>
    internal static string? HeadingText(string line)
    {
        var i = 0;
        while (i < 3 && i < line.Length && char.IsWhiteSpace(line[i]))
        {
            i++;
        }
        var level = 0;
        while (i < line.Length && line[i] == '#')
        {
            level++;
            i++;
        }
        if (level is 0 or > 6 || i == line.Length || !char.IsWhiteSpace(line[i]))
        {
            return null;
        }
        var text = line.AsSpan(i).Trim();
        var end = text.Length;
        while (end > 0 && text[end - 1] == '#')
        {
            end--;
        }
        if (end == 0)
        {
            return null;
        }
        if (end < text.Length && !char.IsWhiteSpace(text[end - 1]))
        {
            end = text.Length;
        }
        return text[..end].Trim().ToString();
    }

    // Split after ., !, ?, or the CJK full stop/marks, keeping the punctuation with its sentence.
    [GeneratedRegex(@"(?<=[.!?。！？])\s+|(?<=[。！？])")]
    private static partial Regex SentenceRegex();
}
