using System.Globalization;
using System.Text;

namespace WorkflowTesting.CacheEval;

/// <summary>The cleaning the sample bot's clean node applies with its defaults (NFKC, lower case, punctuation stripped,
/// whitespace collapsed), reproduced here so the evaluation does not depend on the engine's run pipeline.</summary>
public static class EvalText
{
    public static string Clean(string text)
    {
        var nfkc = text.Normalize(NormalizationForm.FormKC).ToLower(CultureInfo.InvariantCulture);
        var sb = new StringBuilder(nfkc.Length);
        foreach (var ch in nfkc)
        {
            var category = char.GetUnicodeCategory(ch);
            var isPunctuation = char.IsPunctuation(ch) || char.IsSymbol(ch);
            if (char.IsWhiteSpace(ch) || isPunctuation && ch != '\'' && category != UnicodeCategory.CurrencySymbol)
            {
                if (sb.Length > 0 && sb[^1] != ' ')
                {
                    sb.Append(' ');
                }
            }
            else
            {
                sb.Append(ch);
            }
        }

        return sb.ToString().Trim();
    }
}
