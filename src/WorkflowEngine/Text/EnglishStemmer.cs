using System.Globalization;

namespace WorkflowEngine.Text;

/// <summary>A light suffix stripper (refunds/refunded → refund, damaged/damage → damag, shipping/shipped/ship → ship), so
/// inflections are not mistaken for different words. Used for every English word the engine compares: search terms, the
/// semantic cache's question features and the offline responder's sentence choice.</summary>
/// <remarks>Written by hand because it only needs to be consistent, not linguistic: plurals, -ing, -ed, a final e and a
/// doubled final consonant. A full Porter or Snowball stemmer would merge more (and differently) than the semantic cache
/// was measured with.</remarks>
public static class EnglishStemmer
{
    /// <summary>The stem of one lower-case word.</summary>
    public static string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
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
