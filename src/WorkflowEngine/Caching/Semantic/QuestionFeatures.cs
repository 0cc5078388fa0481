using System.Globalization;
using System.Text;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Text;

namespace WorkflowEngine.Caching.Semantic;

/// <summary>
/// The words of a question that carry its intent, extracted once per question (cached entries keep theirs):
/// stemmed content words, negation, numbers, named entities, and character bigrams for CJK text.
/// Hand-written because no library does this for our purpose: the guards must be predictable and explainable in a tooltip,
/// so they are plain word rules rather than a second model.
/// </summary>
public sealed class QuestionFeatures
{
    // "no" and "not" flip an answer ("can I return it" vs "can't I return it"); so do their contractions and a few adverbs.
    private static readonly HashSet<string> NegationWords = new(StringComparer.Ordinal)
    {
        "not", "no", "never", "nothing", "none", "nobody", "nowhere", "neither", "nor", "without", "cannot", "cant",
        "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "wont", "wouldnt", "couldnt", "shouldnt", "hasnt",
        "havent", "hadnt", "mustnt", "neednt", "aint",
    };

    private static readonly Dictionary<string, string> NumberWords = new(StringComparer.Ordinal)
    {
        ["zero"] = "0", ["one"] = "1", ["two"] = "2", ["three"] = "3", ["four"] = "4", ["five"] = "5", ["six"] = "6",
        ["seven"] = "7", ["eight"] = "8", ["nine"] = "9", ["ten"] = "10", ["eleven"] = "11", ["twelve"] = "12",
        ["fifteen"] = "15", ["twenty"] = "20", ["thirty"] = "30", ["forty"] = "40", ["fifty"] = "50", ["sixty"] = "60",
        ["ninety"] = "90", ["hundred"] = "100", ["thousand"] = "1000", ["first"] = "1st", ["second"] = "2nd",
        ["third"] = "3rd", ["twice"] = "2x", ["single"] = "1", ["double"] = "2x", ["half"] = "0.5",
    };

    private QuestionFeatures(string text)
    {
        Text = text;
        var letters = 0;
        var uppers = 0;
        var cjk = 0;
        foreach (var ch in text)
        {
            if (CjkText.IsCjk(ch))
            {
                cjk++;
            }
            else if (char.IsLetter(ch))
            {
                letters++;
                if (char.IsUpper(ch))
                {
                    uppers++;
                }
            }
        }

        IsCjk = cjk > 0 && cjk >= letters / 4;
        var caseIsMeaningful = letters > 0 && uppers * 2 < letters;

        var content = new HashSet<string>(StringComparer.Ordinal);
        var typed = new List<string>();
        var numbers = new HashSet<string>(StringComparer.Ordinal);
        var entities = new HashSet<string>(StringComparer.Ordinal);
        var negated = false;
        var negatedWords = new HashSet<string>(StringComparer.Ordinal);
        var negationScope = 0; // content words still to take into the scope of the last negation
        var rawTokens = WordTokenizer.Words(text);
        var frame = new List<string>(rawTokens.Count);
        var capitalizedTokens = rawTokens.Count(t => char.IsUpper(t[0]));
        var titleCase = rawTokens.Count > 2 && capitalizedTokens * 2 > rawTokens.Count;
        for (var i = 0; i < rawTokens.Count; i++)
        {
            var raw = rawTokens[i];
            var lower = WordTokenizer.Fold(raw);
            frame.Add(Stem(lower));
            if (NegationWords.Contains(lower))
            {
                negated = true;
                negationScope = NegationScopeWords;
                continue;
            }

            if (raw.Any(char.IsDigit))
            {
                numbers.Add(new string(raw.Where(c => char.IsDigit(c) || c == '.').ToArray()).Trim('.'));
                if (raw.Any(char.IsLetter))
                {
                    entities.Add(lower); // model numbers such as "X200" name a product
                }

                continue;
            }

            if (NumberWords.TryGetValue(lower, out var number))
            {
                numbers.Add(number);
                continue;
            }

            // A capitalised word inside a sentence (PayPal, Norway) or a mixed-case word (iPhone) names something;
            // not when the whole text is shouted or Title Cased, where case says nothing.
            if (caseIsMeaningful && !titleCase && lower != "i" && lower.Length > 1 &&
                (i > 0 && char.IsUpper(raw[0]) || raw.Skip(1).Any(char.IsUpper)))
            {
                entities.Add(lower);
            }

            if (!StopWords.QuestionFrame.Contains(lower) && lower.Length > 1)
            {
                content.Add(Stem(lower));
                typed.Add(lower);
                if (negationScope > 0)
                {
                    negatedWords.Add(Stem(lower));
                    negationScope--;
                }
            }
        }

        var cjkChars = new HashSet<char>();
        var bigrams = new HashSet<string>(StringComparer.Ordinal);
        if (cjk > 0)
        {
            var run = new StringBuilder();
            foreach (var ch in text.Normalize(NormalizationForm.FormKC))
            {
                if (CjkText.IsCjk(ch))
                {
                    if (StopWords.ChineseNegations.Contains(ch))
                    {
                        negated = true;
                    }

                    if (!StopWords.ChineseFrame.Contains(ch) && !StopWords.ChineseNegations.Contains(ch))
                    {
                        cjkChars.Add(ch);
                    }

                    run.Append(ch);
                }
                else
                {
                    AddBigrams(run, bigrams);
                    run.Clear();
                }
            }

            AddBigrams(run, bigrams);
        }

        ContentWords = content;
        ContentWordsAsTyped = typed;
        Tokens = frame;
        Numbers = numbers;
        Entities = entities;
        IsNegated = negated;
        NegatedWords = negatedWords;
        CjkContentChars = cjkChars;
        CjkBigrams = bigrams;
        _cjkBigramCodes = [.. bigrams.Select(b => b.Length == 1 ? b[0] : b[0] << 16 | b[1]).Distinct().Order()];
    }

    public string Text { get; }

    /// <summary>Mostly Chinese/Japanese/Korean text: the English embedding model says nothing about it, so bigrams decide.</summary>
    public bool IsCjk { get; }

    /// <summary>Stemmed words outside the stop list: what the question is about.</summary>
    public IReadOnlySet<string> ContentWords { get; }

    /// <summary>The content words unstemmed, in order (for embedding and explanations).</summary>
    public IReadOnlyList<string> ContentWordsAsTyped { get; }

    public IReadOnlySet<string> Numbers { get; }

    /// <summary>Every word of the question in order, stemmed, stop words included: the sentence's frame.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>How much of its wording two questions share, in order: the longest common subsequence of their
    /// <see cref="Tokens"/> as a share of the longer question (0..1). "does the warranty cover accidental damage" and
    /// "does the warranty cover wear and tear" share 4 of 7 words (0.57): one sentence with a swapped slot.
    /// "sign up for an account" and "how do I create an account" share 2 of 6 (0.33): the same request worded differently.</summary>
    public static double FrameOverlap(QuestionFeatures a, QuestionFeatures b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var x = a.Tokens;
        var y = b.Tokens;
        if (x.Count == 0 || y.Count == 0)
        {
            return 0;
        }

        var previous = new int[y.Count + 1];
        var current = new int[y.Count + 1];
        for (var i = 1; i <= x.Count; i++)
        {
            for (var j = 1; j <= y.Count; j++)
            {
                current[j] = string.Equals(x[i - 1], y[j - 1], StringComparison.Ordinal) ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            }

            (previous, current) = (current, previous);
        }

        return (double)previous[y.Count] / Math.Max(x.Count, y.Count);
    }

    /// <summary>Product, brand and place names (capitalised inside a sentence, mixed case, or letters with digits).</summary>
    public IReadOnlySet<string> Entities { get; }

    public bool IsNegated { get; }

    /// <summary>The (stemmed) content words a negation applies to: the first <see cref="NegationScopeWords"/> content words after
    /// each negation ("my code doesn't <b>work</b>", "can't I <b>return</b> an <b>item</b>"). Empty for CJK text and when a negation
    /// has no content word after it.</summary>
    public IReadOnlySet<string> NegatedWords { get; }

    /// <summary>How many content words after a negation count as negated.</summary>
    public const int NegationScopeWords = 1;

    /// <summary>Stemmed words of a text (no stop-word removal), e.g. a knowledge-base article's, to compare with <see cref="ContentWords"/>.</summary>
    public static HashSet<string> Terms(string text) => WordTokenizer.StemmedWords(text);

    public IReadOnlySet<char> CjkContentChars { get; }

    public IReadOnlySet<string> CjkBigrams { get; }

    // CjkBigrams as sorted codes (first char << 16 | second char), for a fast similarity.
    private readonly int[] _cjkBigramCodes;

    // What a Chinese question asks for, by its question words, most specific first: "how long / when", "where", "which",
    // "how much / how many", "why", "how", "yes or no". Two questions about the same thing that ask for different kinds
    // ("退款要多久" how long vs "怎么退款" how) want different answers.
    private static readonly (string Kind, string[] Words)[] CjkQuestionKinds =
    [
        ("time", ["多久", "多长", "多長", "什么时候", "什麼時候", "几点", "幾點", "几天", "幾天", "何时", "何時"]),
        ("place", ["哪里", "哪裡", "哪儿", "在哪", "到哪", "何处"]),
        ("which", ["哪些", "哪个", "哪個", "哪家", "哪种", "哪種", "什么", "什麼"]),
        ("amount", ["多少", "几", "幾"]),
        ("reason", ["为什么", "為什麼", "为何"]),
        ("how", ["怎么", "怎麼", "如何", "怎样", "怎樣"]),
        ("yes-no", ["吗", "嗎", "是否", "能不能", "可不可以", "有没有", "會不會", "会不会"]),
    ];

    /// <summary>For CJK text, what the question asks for ("time", "place", "which", "amount", "reason", "how", "yes-no"); null
    /// for a statement ("忘记密码了") or non-CJK text.</summary>
    public string? CjkQuestionKind => IsCjk
        ? CjkQuestionKinds.FirstOrDefault(k => k.Words.Any(w => Text.Contains(w, StringComparison.Ordinal))).Kind
        : null;

    /// <summary>Extracts the features of <paramref name="text"/>; pass the question as typed (case marks names) when available.</summary>
    public static QuestionFeatures From(string text) => new(text ?? string.Empty);

    /// <summary>Dice coefficient of the two questions' CJK character bigrams (0..1); 0 when either has none.</summary>
    public static double CjkBigramSimilarity(QuestionFeatures a, QuestionFeatures b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var x = a._cjkBigramCodes;
        var y = b._cjkBigramCodes;
        if (x.Length == 0 || y.Length == 0)
        {
            return 0;
        }

        // Both sorted: one merge pass (the semantic index calls this for every cached CJK question).
        int i = 0, j = 0, shared = 0;
        while (i < x.Length && j < y.Length)
        {
            if (x[i] == y[j])
            {
                shared++;
                i++;
                j++;
            }
            else if (x[i] < y[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return 2.0 * shared / (x.Length + y.Length);
    }

    /// <summary>Adds the adjacent character pairs of <paramref name="text"/>'s CJK runs to <paramref name="pairs"/>.</summary>
    public static void AddCjkPairs(string text, HashSet<string> pairs) => WordTokenizer.AddCjkPairs(text, pairs);

    /// <summary>The question's CJK character pairs that <paramref name="known"/> (the knowledge base's text around it) also
    /// uses, without pairs made only of frame characters (怎么, 可以, 不能; 有效 stays) or joined by a particle (的订): the words of
    /// a question in unsegmented text
    /// ("退款", "运费", "礼品卡" → "礼品", "品卡"), told apart from pairs across word boundaries ("款要"), which the articles
    /// do not contain.</summary>
    public IReadOnlySet<string> CjkKeyTerms(IReadOnlySet<string> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        return CjkBigrams.Where(b => b.Length == 2 && known.Contains(b) && !(IsFrameChar(b[0]) && IsFrameChar(b[1]))
            && !StopWords.ChineseParticles.Contains(b[0]) && !StopWords.ChineseParticles.Contains(b[1])).ToHashSet(StringComparer.Ordinal);

        static bool IsFrameChar(char c) => StopWords.ChineseFrame.Contains(c) || StopWords.ChineseNegations.Contains(c);
    }

    private static void AddBigrams(StringBuilder run, HashSet<string> bigrams)
    {
        if (run.Length == 1)
        {
            bigrams.Add(run.ToString());
        }

        for (var i = 0; i + 1 < run.Length; i++)
        {
            bigrams.Add(string.Concat(run[i], run[i + 1]));
        }
    }

    /// <summary>The stem of a lower-case word (<see cref="EnglishStemmer"/>).</summary>
    internal static string Stem(string word) => EnglishStemmer.Stem(word);
}
