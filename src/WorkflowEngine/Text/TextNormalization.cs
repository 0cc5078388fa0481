using System.Globalization;
using System.Text;

namespace WorkflowEngine.Text;

/// <summary>The steps that make variants of one question one text ("How do I get a refund?", "  HOW DO I GET A REFUND ??? ",
/// full-width forms): trim, NFKC, lower-case, strip punctuation, collapse whitespace, each optional.</summary>
/// <remarks>Written by hand because no library does this particular pipeline: the steps are .NET's own Unicode normalization
/// and categories, with care for scripts written without spaces (Chinese) where punctuation between words just goes.</remarks>
public sealed record TextNormalization
{
    public bool Trim { get; init; } = true;
    public bool Nfkc { get; init; } = true;
    public bool Lowercase { get; init; } = true;
    public bool StripPunctuation { get; init; } = true;
    public bool CollapseWhitespace { get; init; } = true;

    /// <summary>Runs the configured steps on <paramref name="text"/>.</summary>
    public string Apply(string text)
    {
        if (Trim)
        {
            text = text.Trim();
        }
        if (Nfkc && !text.IsNormalized(NormalizationForm.FormKC))
        {
            text = text.Normalize(NormalizationForm.FormKC);
        }
        if (Lowercase)
        {
            text = text.ToLowerInvariant();
        }
        if (StripPunctuation)
        {
            text = RemovePunctuation(text);
        }
        if (CollapseWhitespace)
        {
            text = Collapse(text);
        }
        if (Trim)
        {
            text = text.Trim();
        }
        return text;
    }

    /// <summary>
    /// Removes punctuation (Unicode categories P*: ASCII !?,.;:'"()[]{}-… and CJK ，。？！、「」；：（）《》… alike). A run of punctuation
    /// between two words written with spaces (Latin, digits) becomes one space so the words stay apart ("refund,please" → "refund please");
    /// next to Chinese and similar scripts it is simply removed ("你好，我要退钱。" → "你好我要退钱"). Apostrophes inside a word and
    /// decimal points between digits are kept as meaning ("don't", "3.5").
    /// </summary>
    private static string RemovePunctuation(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!IsPunctuation(c))
            {
                builder.Append(c);
                continue;
            }
            var start = i;
            while (i + 1 < text.Length && IsPunctuation(text[i + 1]))
            {
                i++;
            }
            var before = start > 0 ? text[start - 1] : '\0';
            var after = i + 1 < text.Length ? text[i + 1] : '\0';
            if (start == i && IsKeptInside(c, before, after))
            {
                builder.Append(c);
            }
            else if (IsSpacedWordChar(before) && IsSpacedWordChar(after))
            {
                builder.Append(' ');
            }
        }
        return builder.ToString();
    }

    private static bool IsPunctuation(char c) => char.IsPunctuation(c) || c is '`' or '^' or '~' or '|' or '～';

    private static bool IsKeptInside(char c, char before, char after) =>
        (c is '\'' or '’' && char.IsLetter(before) && char.IsLetter(after) && !IsUnspacedScript(before))
        || (c is '.' or ',' && char.IsAsciiDigit(before) && char.IsAsciiDigit(after));

    /// <summary>Letters and digits of scripts that separate words with spaces.</summary>
    internal static bool IsSpacedWordChar(char c) => char.IsLetterOrDigit(c) && !IsUnspacedScript(c);

    /// <summary>Chinese, Japanese kana and other scripts without spaces between words (Unicode "other letter").</summary>
    public static bool IsUnspacedScript(char c) => CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.OtherLetter;

    /// <summary>Runs of whitespace become one space (leading whitespace dropped, a trailing run kept as one space).</summary>
    public static string Collapse(string text)
    {
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }
            if (pendingSpace && builder.Length > 0)
            {
                builder.Append(' ');
            }
            pendingSpace = false;
            builder.Append(c);
        }
        if (pendingSpace && builder.Length > 0)
        {
            builder.Append(' ');
        }
        return builder.ToString();
    }
}
