using System.Globalization;
using System.Text;
using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Caching.Semantic;

/// <summary>
/// The words of a question that carry its intent, extracted once per question (cached entries keep theirs):
/// stemmed content words, negation, numbers, named entities, and character bigrams for CJK text.
/// Hand-written because no library does this for our purpose: the guards must be predictable and explainable in a tooltip,
/// so they are plain word rules rather than a second model.
/// </summary>
public sealed class QuestionFeatures
{
    // Function words and the generic question frame ("how do I", "can you", "I want to"): paraphrases swap these freely,
    // so they never count as a difference. Wh-words are here on purpose: in an FAQ, "when/where is my refund" ask the same thing.
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "if", "then", "so", "than", "as", "at", "by", "for", "from", "in", "into", "of",
        "on", "onto", "to", "with", "about", "after", "before", "up", "out", "over", "off", "via", "per",
        "i", "me", "my", "mine", "myself", "we", "us", "our", "you", "your", "yours", "it", "its", "this", "that", "these",
        "those", "there", "here", "they", "them", "their", "he", "she", "him", "her", "his", "one", "someone", "something",
        "anything", "thing", "things",
        "is", "am", "are", "was", "were", "be", "been", "being", "do", "does", "did", "done", "doing", "have", "has", "had",
        "having", "can", "could", "will", "would", "shall", "should", "may", "might", "must", "get", "got", "getting",
        "gets", "want", "wants", "wanted", "need", "needs", "like", "would", "let", "make", "please", "tell", "know", "help",
        "how", "what", "when", "where", "why", "which", "who", "whom", "whose", "long", "much", "many", "still", "just",
        "also", "too", "very", "really", "any", "some", "all", "every", "each", "own", "again", "now", "ok", "okay",
        "hi", "hello", "thanks", "thank", "way", "possible", "able", "s", "t", "ll", "re", "ve", "d", "m",
    };

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

    // CJK negations: 不 (not), 没/沒 (have not), 别 (don't), 无/無 (without), 未 (not yet), 非 (non-).
    private static readonly HashSet<char> CjkNegations = ['不', '没', '沒', '别', '別', '无', '無', '未', '非', '勿'];

    // CJK particles and the generic frame (请问 "may I ask", 我 "I", 吗/呢 question particles, 怎么/如何 "how"):
    // like English stop words, they never count as a difference.
    private static readonly HashSet<char> CjkStopChars =
        ['请', '請', '问', '問', '我', '你', '您', '的', '了', '吗', '嗎', '呢', '吧', '啊', '呀', '么', '麼', '怎', '如', '何', '要', '想', '能', '可', '以', '是', '在', '个', '個', '一', '下', '有', '和', '与', '與', '把', '给', '給', '这', '這', '那', '哪', '里', '裡', '么', '啥', '些', '会', '會', '该', '該', '应', '應', '办', '辦'];

    // Particles, pronouns and question words that never begin or end a content word (的 of 的订 in "您的订单", 了, 吗...): a
    // character pair with one of them is the join of two words, even when the knowledge base's text has it too.
    private static readonly HashSet<char> CjkParticles =
        ['的', '了', '吗', '嗎', '呢', '吧', '啊', '呀', '么', '麼', '我', '你', '您', '请', '請', '问', '問', '这', '這', '那', '哪', '怎', '如', '何', '把', '给', '給', '和', '与', '與', '很', '都', '也', '就', '还', '還'];

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
        var rawTokens = Tokenize(text);
        var frame = new List<string>(rawTokens.Count);
        var capitalizedTokens = rawTokens.Count(t => char.IsUpper(t[0]));
        var titleCase = rawTokens.Count > 2 && capitalizedTokens * 2 > rawTokens.Count;
        for (var i = 0; i < rawTokens.Count; i++)
        {
            var raw = rawTokens[i];
            var lower = raw.ToLowerInvariant().Replace("'", string.Empty, StringComparison.Ordinal).Replace("’", string.Empty, StringComparison.Ordinal);
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

            if (!StopWords.Contains(lower) && lower.Length > 1)
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
                    if (CjkNegations.Contains(ch))
                    {
                        negated = true;
                    }

                    if (!CjkStopChars.Contains(ch) && !CjkNegations.Contains(ch))
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
    public static HashSet<string> Terms(string text)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in Tokenize(text ?? string.Empty))
        {
            var lower = token.ToLowerInvariant().Replace("'", string.Empty, StringComparison.Ordinal).Replace("’", string.Empty, StringComparison.Ordinal);
            if (lower.Length > 1)
            {
                terms.Add(Stem(lower));
            }
        }

        return terms;
    }

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
    public static void AddCjkPairs(string text, HashSet<string> pairs)
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

    /// <summary>The question's CJK character pairs that <paramref name="known"/> (the knowledge base's text around it) also
    /// uses, without pairs made only of frame characters (怎么, 可以, 不能; 有效 stays) or joined by a particle (的订): the words of
    /// a question in unsegmented text
    /// ("退款", "运费", "礼品卡" → "礼品", "品卡"), told apart from pairs across word boundaries ("款要"), which the articles
    /// do not contain.</summary>
    public IReadOnlySet<string> CjkKeyTerms(IReadOnlySet<string> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        return CjkBigrams.Where(b => b.Length == 2 && known.Contains(b) && !(IsFrameChar(b[0]) && IsFrameChar(b[1]))
            && !CjkParticles.Contains(b[0]) && !CjkParticles.Contains(b[1])).ToHashSet(StringComparer.Ordinal);

        static bool IsFrameChar(char c) => CjkStopChars.Contains(c) || CjkNegations.Contains(c);
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

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        foreach (var ch in text.Normalize(NormalizationForm.FormKC))
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
                // "can't" → "cant"; "customer's" → "customer"
                if (token.EndsWith("'s", StringComparison.OrdinalIgnoreCase) || token.EndsWith("’s", StringComparison.OrdinalIgnoreCase))
                {
                    token = token[..^2];
                }

                tokens.Add(token);
            }

            current.Clear();
        }
    }

    /// <summary>A light suffix stripper (refunds/refunded → refund, damaged/damage → damag, shipping → ship) so inflections
    /// are not mistaken for different words; not a linguistic stemmer, only needs to be consistent.</summary>
    internal static string Stem(string word)
    {
        var w = word;
        if (w.Length > 4 && w.EndsWith("ies", StringComparison.Ordinal))
        {
            w = w[..^3] + "y";
        }
        else if (w.Length > 4 && w.EndsWith("sses", StringComparison.Ordinal))
        {
            w = w[..^2];
        }
        else if (w.Length > 3 && w.EndsWith('s') && !w.EndsWith("ss", StringComparison.Ordinal) && !w.EndsWith("us", StringComparison.Ordinal) && !w.EndsWith("is", StringComparison.Ordinal))
        {
            w = w[..^1];
        }

        if (w.Length > 5 && w.EndsWith("ing", StringComparison.Ordinal))
        {
            w = w[..^3];
        }
        else if (w.Length > 4 && w.EndsWith("ed", StringComparison.Ordinal))
        {
            w = w[..^2];
        }

        if (w.Length > 3 && w.EndsWith('e'))
        {
            w = w[..^1];
        }

        if (w.Length > 3 && w[^1] == w[^2] && !"aeiousl".Contains(w[^1], StringComparison.Ordinal))
        {
            w = w[..^1];
        }

        return w.ToLower(CultureInfo.InvariantCulture);
    }
}
