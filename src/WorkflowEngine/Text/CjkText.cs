using System.Globalization;
using System.Text;

namespace WorkflowEngine.Text;

/// <summary>The one definition of Chinese, Japanese and Korean text used by search, the semantic cache, the offline
/// responder and the evaluation: scripts written without spaces between words, where the English embedding model and
/// English word rules say nothing.</summary>
public static class CjkText
{
    /// <summary>True for a CJK ideograph (unified, extensions, compatibility, radicals), kana or hangul.</summary>
    public static bool IsCjk(Rune rune)
    {
        var v = rune.Value;
        return v is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2EBEF) or (>= 0xF900 and <= 0xFAFF)
            or (>= 0x3040 and <= 0x30FF) or (>= 0xAC00 and <= 0xD7AF) or (>= 0x1100 and <= 0x11FF) or (>= 0x3130 and <= 0x318F)
            || (Rune.GetUnicodeCategory(rune) == UnicodeCategory.OtherLetter && v >= 0x2E80 && v <= 0x9FFF);
    }

    /// <summary><see cref="IsCjk(Rune)"/> for one UTF-16 unit (a surrogate, half of an extension ideograph, is not).</summary>
    public static bool IsCjk(char ch) => !char.IsSurrogate(ch) && IsCjk(new Rune(ch));

    /// <summary>True when <paramref name="text"/> has at least one CJK character.</summary>
    public static bool Contains(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        foreach (var rune in text.EnumerateRunes())
        {
            if (IsCjk(rune))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="text"/> is mostly CJK: it has CJK characters and at most four other letters per CJK
    /// character (so "可以用PayPal付款吗" counts, an English sentence quoting one character does not).</summary>
    public static bool IsMostlyCjk(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        int cjk = 0, letters = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsCjk(rune))
            {
                cjk++;
            }
            else if (Rune.IsLetter(rune))
            {
                letters++;
            }
        }

        return cjk > 0 && cjk >= letters / 4;
    }
}
