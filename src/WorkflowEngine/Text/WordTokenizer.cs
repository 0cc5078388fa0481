using System.Buffers;
using System.Text;

namespace WorkflowEngine.Text;

/// <summary>
/// Splits text into the words the engine compares: English-like words (letters and digits of scripts written with spaces)
/// and, for Chinese, Japanese and Korean text, either character pairs (search) or segmented words (<see cref="ChineseSegmenter"/>).
/// </summary>
/// <remarks>Written by hand because no small .NET tokenizer does both script families the way search and the cache need:
/// NFKC first (full-width ＲＥＦＵＮＤ is REFUND), apostrophes kept inside words ("can't" → "cant"), CJK never mixed into a word.</remarks>
public static class WordTokenizer
{
    /// <summary>The words of the non-CJK scripts in <paramref name="text"/> as typed (case kept, so names can be told), in
    /// order: "Can't I return my X200's box?" → Can't, I, return, my, X200, box. A possessive 's is dropped; dots and
    /// apostrophes stay inside a word ("3.5", "don't").</summary>
    public static List<string> Words(string? text)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        foreach (var ch in (text ?? string.Empty).Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(ch) && !CjkText.IsCjk(ch) || (ch is '\'' or '’' or '.') && current.Length > 0)
            {
                current.Append(ch);
            }
            else
            {
                Flush(current, tokens);
            }
        }

        Flush(current, tokens);
        return tokens;

        static void Flush(StringBuilder current, List<string> tokens)
        {
            var token = current.ToString().TrimEnd('.', '\'', '’');
            if (token.Length > 0)
            {
                // "customer's" → "customer"; "can't" keeps its apostrophe here, callers drop it (Fold)
                if (token.EndsWith("'s", StringComparison.OrdinalIgnoreCase) || token.EndsWith("’s", StringComparison.OrdinalIgnoreCase))
                {
                    token = token[..^2];
                }

                tokens.Add(token);
            }

            current.Clear();
        }
    }

    /// <summary>A word as compared: lower-case, apostrophes removed ("Can't" → "cant").</summary>
    public static string Fold(string word) =>
        word.ToLowerInvariant().Replace("'", string.Empty, StringComparison.Ordinal).Replace("’", string.Empty, StringComparison.Ordinal);

    /// <summary>The stemmed words of <paramref name="text"/> longer than one letter (no stop-word removal): a text's vocabulary,
    /// e.g. a knowledge-base article's.</summary>
    public static HashSet<string> StemmedWords(string? text)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in Words(text))
        {
            var folded = Fold(word);
            if (folded.Length > 1)
            {
                terms.Add(EnglishStemmer.Stem(folded));
            }
        }

        return terms;
    }

    /// <summary>What a passage or question is about, for overlap scores: stemmed words without <see cref="StopWords.Function"/>,
    /// and the segmented Chinese words without frame words (退款要多久 → 退款, 多久).</summary>
    public static IEnumerable<string> ContentTerms(string? text)
    {
        foreach (var word in Words(text))
        {
            var folded = Fold(word);
            if (!StopWords.Function.Contains(folded))
            {
                yield return EnglishStemmer.Stem(folded);
            }
        }

        foreach (var word in ChineseSegmenter.CjkWords(text))
        {
            if (!StopWords.IsChineseFrameWord(word))
            {
                yield return word;
            }
        }
    }

    /// <summary>True for a CJK term of <see cref="SearchTerms"/>: one character or a pair of adjacent characters.</summary>
    public static bool IsCjkTerm(string term) =>
        !string.IsNullOrEmpty(term) && Rune.DecodeFromUtf16(term, out var first, out _) == OperationStatus.Done && CjkText.IsCjk(first);

    /// <summary>The search terms of <paramref name="text"/> for BM25, in order, with repeats: English-like words lower-cased,
    /// without <see cref="StopWords.Function"/>, stemmed; CJK text as single characters plus overlapping character pairs
    /// (a keyword index wants every way a query may cut a word: 礼品卡 meets 礼品 and 品卡).</summary>
    public static List<string> SearchTerms(string? text)
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
            if (status != OperationStatus.Done)
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
            else if (rune.Value is not ('\'' or '\u2019'))
            {
                // an apostrophe joins: "can't" → "cant", "customer's" → "customers" → "customer"
                FlushWord(word, terms);
                FlushCjk(cjkRun, terms);
            }
        }

        FlushWord(word, terms);
        FlushCjk(cjkRun, terms);
        return terms;
    }

    /// <summary>Adds the adjacent character pairs of <paramref name="text"/>'s CJK runs to <paramref name="pairs"/>.</summary>
    public static void AddCjkPairs(string? text, ISet<string> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        for (var i = 0; i + 1 < (text?.Length ?? 0); i++)
        {
            if (CjkText.IsCjk(text![i]) && CjkText.IsCjk(text[i + 1]))
            {
                pairs.Add(string.Concat(text[i], text[i + 1]));
            }
        }
    }

    private static void FlushWord(StringBuilder word, List<string> terms)
    {
        if (word.Length == 0)
        {
            return;
        }

        var w = word.ToString();
        word.Clear();
        if (!StopWords.Function.Contains(w))
        {
            terms.Add(EnglishStemmer.Stem(w));
        }
    }

    private static void FlushCjk(List<string> run, List<string> terms)
    {
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
