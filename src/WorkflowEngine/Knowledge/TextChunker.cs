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
            var match = inFence ? Match.Empty : HeadingRegex().Match(line);
            if (match.Success)
            {
                EndParagraph();
                if (paragraphs.Count > 0)
                {
                    yield return (heading, paragraphs);
                }
                paragraphs = [];
                heading = match.Groups[1].Value.Trim();
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

    [GeneratedRegex(@"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")]
    private static partial Regex HeadingRegex();

    // Split after ., !, ?, or the CJK full stop/marks, keeping the punctuation with its sentence.
    [GeneratedRegex(@"(?<=[.!?。！？])\s+|(?<=[。！？])")]
    private static partial Regex SentenceRegex();
}
