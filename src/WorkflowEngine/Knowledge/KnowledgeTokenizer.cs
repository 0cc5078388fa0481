using System.Globalization;
using System.Text;

namespace WorkflowEngine.Knowledge;

/// <summary>Turns text into search terms for BM25: English-like words lower-cased, stop words dropped and lightly stemmed;
/// Chinese, Japanese and Korean text (no spaces between words) as single characters plus overlapping character pairs.</summary>
/// <remarks>Written by hand because no small, dependency-free .NET tokenizer does both; the stemmer is a deliberately light
/// subset of Porter's step 1 (plurals, -ing, -ed, final e) so that "refunds"/"refunded" and "shipping"/"ship" meet.</remarks>
public static class KnowledgeTokenizer
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "is", "are", "am", "was", "were", "be", "been", "being", "to", "of", "in", "on",
        "for", "it", "its", "i", "im", "my", "me", "we", "you", "your", "yours", "our", "us", "do", "does", "did", "can", "could",
        "how", "what", "when", "where", "which", "who", "whom", "why", "with", "at", "by", "from", "this", "that", "these", "those",
        "there", "as", "will", "would", "should", "shall", "have", "has", "had", "if", "so", "then", "than", "get", "got", "into",
        "about", "any", "some", "just", "also", "he", "she", "they", "them", "their", "his", "her", "s", "t", "please", "hi", "hello",
    };

    /// <summary>True for a CJK term of <see cref="Tokenize"/>: one character or a pair of adjacent characters.</summary>
    public static bool IsCjkTerm(string term) =>
        !string.IsNullOrEmpty(term) && Rune.DecodeFromUtf16(term, out var first, out _) == System.Buffers.OperationStatus.Done && CjkText.IsCjk(first);

    /// <summary>The search terms of <paramref name="text"/>, in order, with repeats.</summary>
    public static List<string> Tokenize(string? text)
    {
        var terms = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return terms;
        }
        var normalized = text.Normalize(NormalizationForm.FormKC);
        var word = new StringBuilder();
        var cjkRun = new List<string>();
        var span = normalized.AsSpan();
        for (var i = 0; i < span.Length;)
        {
            var status = Rune.DecodeFromUtf16(span[i..], out var rune, out var consumed);
            i += Math.Max(consumed, 1);
            if (status != System.Buffers.OperationStatus.Done)
            {
                FlushWord(word, terms);
                FlushCjk(cjkRun, terms);
                continue;
            }
            if (CjkText.IsCjk(rune))
            {
                FlushWord(word, terms);
                cjkRun.Add(rune.ToString());
            }
            else if (Rune.IsLetterOrDigit(rune))
            {
                FlushCjk(cjkRun, terms);
                word.Append(Rune.ToLowerInvariant(rune).ToString());
            }
            else if (rune.Value == '\'' || rune.Value == '\u2019')
            {
                // "can't" -> "cant", "customer's" -> "customers" -> "customer"
            }
            else
            {
                FlushWord(word, terms);
                FlushCjk(cjkRun, terms);
            }
        }
        FlushWord(word, terms);
        FlushCjk(cjkRun, terms);
        return terms;
    }

    /// <summary>Light English stemming: plural s/es/ies, -ing, -ed, a final e; short words are left alone.</summary>
    public static string Stem(string word)
    {
        if (word.Length <= 3 || !word.All(c => c is >= 'a' and <= 'z'))
        {
            return word;
        }
        var w = word;
        if (w.EndsWith("ies", StringComparison.Ordinal) && w.Length > 4)
        {
            w = w[..^3] + "y";
        }
        else if (w.EndsWith("sses", StringComparison.Ordinal))
        {
            w = w[..^2];
        }
        else if (w.EndsWith("es", StringComparison.Ordinal) && (w.EndsWith("ches", StringComparison.Ordinal) || w.EndsWith("shes", StringComparison.Ordinal) || w.EndsWith("xes", StringComparison.Ordinal)))
        {
            w = w[..^2];
        }
        else if (w.EndsWith('s') && !w.EndsWith("ss", StringComparison.Ordinal) && !w.EndsWith("us", StringComparison.Ordinal) && !w.EndsWith("is", StringComparison.Ordinal))
        {
            w = w[..^1];
        }

        if (w.EndsWith("ing", StringComparison.Ordinal) && HasVowel(w[..^3]) && w.Length - 3 >= 3)
        {
            w = Undouble(w[..^3]);
        }
        else if (w.EndsWith("ed", StringComparison.Ordinal) && HasVowel(w[..^2]) && w.Length - 2 >= 3)
        {
            w = Undouble(w[..^2]);
        }

        if (w.Length > 4 && w.EndsWith('e'))
        {
            w = w[..^1];
        }
        return w;
    }

    private static bool HasVowel(string s) => s.AsSpan().IndexOfAny("aeiouy") >= 0;

    private static string Undouble(string s) =>
        s.Length >= 2 && s[^1] == s[^2] && s[^1] is not ('l' or 's' or 'z') && !"aeiou".Contains(s[^1]) ? s[..^1] : s;

    private static void FlushWord(StringBuilder word, List<string> terms)
    {
        if (word.Length == 0)
        {
            return;
        }
        var w = word.ToString();
        word.Clear();
        if (!StopWords.Contains(w))
        {
            terms.Add(Stem(w));
        }
    }

    private static void FlushCjk(List<string> run, List<string> terms)
    {
        if (run.Count == 0)
        {
            return;
        }
        for (var i = 0; i < run.Count; i++)
        {
            terms.Add(run[i]);
            if (i + 1 < run.Count)
            {
                terms.Add(run[i] + run[i + 1]);
            }
        }
        run.Clear();
    }
}
