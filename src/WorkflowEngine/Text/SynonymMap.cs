using System.Text.RegularExpressions;

namespace WorkflowEngine.Text;

/// <summary>
/// Replaces words and phrases with a preferred synonym ("money back" → "refund", 退钱 → 退款), all in one pass (a replacement is
/// never replaced again), longest first ("money back guarantee" wins over "money back"). Matches whole words: by the spaces
/// and punctuation around them in scripts written with spaces, by <see cref="ChineseSegmenter"/>'s word boundaries in Chinese,
/// so 单号 → 订单号 leaves 订单号 alone instead of making it 订订单号.
/// </summary>
public sealed class SynonymMap
{
    private const string WordChar = @"[\p{Lu}\p{Ll}\p{Lt}\p{Lm}\p{Mn}\p{Nd}]";

    private readonly Regex? _regex;
    private readonly Dictionary<string, string> _replacements;

    private SynonymMap(Regex? regex, Dictionary<string, string> replacements)
    {
        _regex = regex;
        _replacements = replacements;
    }

    /// <summary>A map of <paramref name="synonyms"/>, each side normalized as the text will be (so "Money back!" matches the
    /// cleaned "money back"); pairs with nothing to replace are skipped, the first of two equal phrases wins.</summary>
    public static SynonymMap Create(IEnumerable<(string From, string? To)> synonyms, TextNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(synonyms);
        ArgumentNullException.ThrowIfNull(normalization);
        var replacements = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (fromText, toText) in synonyms)
        {
            if (string.IsNullOrWhiteSpace(fromText))
            {
                continue;
            }

            var from = normalization.Apply(fromText);
            if (from.Length > 0)
            {
                replacements.TryAdd(from, normalization.Apply(toText ?? ""));
            }
        }

        if (replacements.Count == 0)
        {
            return new SynonymMap(null, replacements);
        }

        var alternatives = replacements.Keys.OrderByDescending(k => k.Length).ThenBy(k => k, StringComparer.Ordinal).Select(Pattern);
        var regex = new Regex(string.Join('|', alternatives), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
        return new SynonymMap(regex, replacements);
    }

    /// <summary><paramref name="text"/> with every synonym replaced.</summary>
    public string Apply(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_regex is null)
        {
            return text;
        }

        IReadOnlySet<int>? boundaries = null;
        return _regex.Replace(text, match =>
        {
            var value = match.Value;
            if (!_replacements.TryGetValue(value, out var to))
            {
                return value;
            }

            // A phrase that starts or ends in Chinese (Japanese, Korean) must start or end where a segmented word does; other
            // scripts without spaces (Thai…) match as substrings, having no segmenter here.
            var cjkStart = CjkText.IsCjk(value[0]);
            var cjkEnd = CjkText.IsCjk(value[^1]);
            if (cjkStart || cjkEnd)
            {
                boundaries ??= ChineseSegmenter.Boundaries(text);
                if (cjkStart && !boundaries.Contains(match.Index) || cjkEnd && !boundaries.Contains(match.Index + match.Length))
                {
                    return value;
                }
            }

            return to;
        });
    }

    // Whole-word match where the phrase starts/ends with a letter or digit of a spaced script; Chinese ends are checked
    // against the segmentation in Apply.
    private static string Pattern(string from)
    {
        var escaped = Regex.Escape(from);
        var start = TextNormalization.IsSpacedWordChar(from[0]) ? $"(?<!{WordChar})" : "";
        var end = TextNormalization.IsSpacedWordChar(from[^1]) ? $"(?!{WordChar})" : "";
        return start + escaped + end;
    }
}
