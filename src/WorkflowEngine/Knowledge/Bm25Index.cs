namespace WorkflowEngine.Knowledge;

/// <summary>Okapi BM25 over a fixed set of documents (here: chunks), built once and read by many threads.</summary>
/// <remarks>Hand-written: the formula is a dozen lines and the .NET full-text libraries (Lucene.NET) are far larger than
/// an in-memory index of a few thousand chunks needs.</remarks>
public sealed class Bm25Index
{
    public const double K1 = 1.2;
    public const double B = 0.75;

    private readonly Dictionary<string, List<(int Doc, int Tf)>> _postings = new(StringComparer.Ordinal);
    private readonly int[] _lengths;
    private readonly double _averageLength;

    public Bm25Index(IReadOnlyList<IReadOnlyList<string>> documents)
    {
        _lengths = new int[documents.Count];
        for (var d = 0; d < documents.Count; d++)
        {
            _lengths[d] = documents[d].Count;
            foreach (var group in documents[d].GroupBy(t => t, StringComparer.Ordinal))
            {
                if (!_postings.TryGetValue(group.Key, out var list))
                {
                    _postings[group.Key] = list = [];
                }
                list.Add((d, group.Count()));
            }
        }
        _averageLength = documents.Count == 0 ? 0 : Math.Max(1, _lengths.Average());
    }

    public int Count => _lengths.Length;

    public int TermCount => _postings.Count;

    /// <summary>Inverse document frequency (the "plus one" variant, never negative). Terms absent from the index get the highest value.</summary>
    public double Idf(string term)
    {
        var df = _postings.TryGetValue(term, out var list) ? list.Count : 0;
        return Math.Log(1 + (Count - df + 0.5) / (df + 0.5));
    }

    /// <summary>Raw BM25 scores for every document with at least one query term, and the query's ceiling: the score a
    /// document would get if it held every query term with saturated frequency (CJK character pairs found in no document
    /// left out). Raw / ceiling is the 0..1 keyword score.</summary>
    public (Dictionary<int, double> Scores, double Ceiling) Score(IReadOnlyList<string> queryTerms)
    {
        var scores = new Dictionary<int, double>();
        var ceiling = 0.0;
        foreach (var term in queryTerms.Distinct(StringComparer.Ordinal))
        {
            var known = _postings.TryGetValue(term, out var list);
            if (!known && term.Length > 1 && KnowledgeTokenizer.IsCjkTerm(term))
            {
                // A character pair found nowhere is mostly an artefact of cutting unsegmented text into pairs ("款要" of
                // "退款要多久"), not a word the knowledge base lacks; counting it made every Chinese question score low.
                continue;
            }
            var idf = Idf(term);
            ceiling += idf * (K1 + 1);
            if (!known)
            {
                continue;
            }
            foreach (var (doc, tf) in list!)
            {
                var norm = K1 * (1 - B + B * _lengths[doc] / _averageLength);
                var s = idf * tf * (K1 + 1) / (tf + norm);
                scores[doc] = scores.GetValueOrDefault(doc) + s;
            }
        }
        return (scores, ceiling);
    }
}
