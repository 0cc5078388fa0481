using System.Collections.Concurrent;
using System.Globalization;

namespace WorkflowEngine.Knowledge;

/// <summary>
/// A small in-memory keyword search: the fallback <see cref="IKnowledgeSearch"/> when no real knowledge store is registered
/// (the knowledge area replaces it), and a real, simple implementation for tests. Scores are the share of the query's terms a
/// chunk contains (0..1); terms are lower-cased words, and character pairs for Chinese and other scripts written without spaces.
/// Every mode is answered by keyword matching.
/// </summary>
public sealed class SimpleKeywordSearch : IKnowledgeSearch
{
    private readonly ConcurrentDictionary<string, KnowledgeBase> _bases = new(StringComparer.Ordinal);

    /// <summary>Sets the chunks of a knowledge base (creating it), bumping its version.</summary>
    public void SetChunks(string knowledgeBaseId, IEnumerable<KnowledgeChunk> chunks)
    {
        var items = chunks.Select(c => (Chunk: c, Terms: Terms(c.Heading + " " + c.Text).ToHashSet(StringComparer.Ordinal))).ToArray();
        _bases.AddOrUpdate(knowledgeBaseId, _ => new KnowledgeBase(1, items), (_, old) => new KnowledgeBase(old.Version + 1, items));
    }

    public ValueTask<long?> GetVersionAsync(string knowledgeBaseId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_bases.TryGetValue(knowledgeBaseId, out var kb) ? kb.Version : (long?)null);

    public ValueTask<IReadOnlyList<ScoredChunk>> SearchAsync(string knowledgeBaseId, string query, SearchOptions options, CancellationToken cancellationToken = default)
    {
        if (!_bases.TryGetValue(knowledgeBaseId, out var kb))
        {
            return ValueTask.FromResult<IReadOnlyList<ScoredChunk>>([]);
        }
        var queryTerms = Terms(query).Distinct(StringComparer.Ordinal).ToArray();
        if (queryTerms.Length == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<ScoredChunk>>([]);
        }
        var hits = kb.Chunks
            .Select(c => (c.Chunk, Score: (double)queryTerms.Count(c.Terms.Contains) / queryTerms.Length))
            .Where(x => x.Score > 0 && x.Score >= options.MinScore)
            .OrderByDescending(x => x.Score)
            .ThenBy(x => x.Chunk.DocumentName, StringComparer.Ordinal)
            .ThenBy(x => x.Chunk.Ordinal)
            .Take(Math.Max(0, options.TopK))
            .Select((x, i) => new ScoredChunk(x.Chunk, x.Score, i + 1, KeywordScore: x.Score))
            .ToArray();
        return ValueTask.FromResult<IReadOnlyList<ScoredChunk>>(hits);
    }

    /// <summary>Lower-cased words of two or more characters; for text without spaces, overlapping character pairs.</summary>
    internal static IEnumerable<string> Terms(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }
        var word = new System.Text.StringBuilder();
        char? previousUnspaced = null;
        foreach (var raw in text.ToLowerInvariant())
        {
            var c = raw;
            var unspaced = CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.OtherLetter;
            if (unspaced)
            {
                if (word.Length >= 2)
                {
                    yield return word.ToString();
                }
                word.Clear();
                if (previousUnspaced is { } p)
                {
                    yield return string.Concat(p, c);
                }
                previousUnspaced = c;
                continue;
            }
            previousUnspaced = null;
            if (char.IsLetterOrDigit(c))
            {
                word.Append(c);
            }
            else
            {
                if (word.Length >= 2)
                {
                    yield return word.ToString();
                }
                word.Clear();
            }
        }
        if (word.Length >= 2)
        {
            yield return word.ToString();
        }
    }

    private sealed record KnowledgeBase(long Version, (KnowledgeChunk Chunk, HashSet<string> Terms)[] Chunks);
}
