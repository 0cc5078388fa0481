using System.Numerics.Tensors;

namespace WorkflowEngine.Caching.Semantic;

/// <summary>
/// The in-process nearest-neighbour index of one cache scope (workflow, node, settings, knowledge-base version):
/// brute-force dot products over contiguous float rows with <see cref="TensorPrimitives"/> (SIMD). Embeddings are
/// L2-normalised on the way in, so a dot product is the cosine.
/// <para>
/// Limit: a search costs one 384-float dot product per entry, about 0.3 ms per 10,000 entries on one core of the
/// benchmark machine (docs/benchmarks.md), and memory is 1.5 KB per entry; that is fine up to some tens of thousands of
/// entries per scope. Beyond that, replace this class's search with a Redis vector index (Redis 8 query engine or Redis
/// Stack): store each entry as a hash with a VECTOR field (HNSW, FLOAT32, DIM 384, DISTANCE_METRIC COSINE) plus TAG fields
/// for the scope and top document, and run <c>FT.SEARCH idx "(@scope:{…})=>[KNN 5 @embedding $vec AS dist]" PARAMS 2 vec …
/// DIALECT 2</c>; the KNN result feeds <see cref="SemanticMatcher"/> unchanged, since the matcher only needs the
/// nearest few candidates.
/// </para>
/// Thread-safe; writers take a lock, readers search a snapshot.
/// </summary>
public sealed class SemanticIndex
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private Snapshot _snapshot = Snapshot.Empty;

    public SemanticIndex(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    public int Count => _snapshot.Count;

    /// <summary>Version of the shared store this index last synchronised with (see <see cref="ISemanticEntryStore"/>).</summary>
    public long SyncedVersion { get; set; } = -1;

    /// <summary>Adds or replaces (same <see cref="SemanticEntry.Id"/>) an entry, kept until <paramref name="expiresAt"/>.</summary>
    public void Add(SemanticEntry entry, DateTimeOffset expiresAt) => AddRange([(entry, expiresAt)]);

    /// <summary>Adds or replaces many entries at once (e.g. loading from the shared store).</summary>
    public void AddRange(IEnumerable<(SemanticEntry Entry, DateTimeOffset ExpiresAt)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var added = entries.Select(e => new Item(e.Entry, QuestionFeatures.From(e.Entry.Question), e.ExpiresAt)).ToList();
        if (added.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            var current = _snapshot;
            var replaces = added.Any(a => current.Ids.Contains(a.Entry.Id)) || added.Count != added.Select(a => a.Entry.Id).Distinct().Count();
            var dim = current.Dimension > 0 ? current.Dimension : added[0].Entry.Embedding.Length;
            if (!replaces && current.Dimension == dim && current.Count + added.Count <= current.Capacity && added.All(a => a.Entry.Embedding.Length == dim))
            {
                // Append in place: readers of the old snapshot only look at its first Count rows, so writing beyond them is safe.
                for (var i = 0; i < added.Count; i++)
                {
                    current.Write(current.Count + i, added[i]);
                }

                _snapshot = current.Grow(added);
                return;
            }

            // Rebuild (growth or replacement): drops expired entries and superseded ids, doubles the capacity.
            var now = _time.GetUtcNow();
            var latest = new Dictionary<string, Item>(StringComparer.Ordinal);
            foreach (var item in current.Items.Take(current.Count).Where(i => i.ExpiresAt > now).Concat(added))
            {
                latest.Remove(item.Entry.Id);
                latest[item.Entry.Id] = item;
            }

            _snapshot = Snapshot.Build([.. latest.Values]);
        }
    }

    public bool Contains(string id) => _snapshot.Ids.Contains(id);

    /// <summary>Drops the entry <paramref name="id"/> (an answer reported wrong); false when it is not here.</summary>
    public bool Remove(string id)
    {
        lock (_gate)
        {
            var current = _snapshot;
            if (!current.Ids.Contains(id))
            {
                return false;
            }

            var now = _time.GetUtcNow();
            Item[] kept = [.. current.Items.Take(current.Count).Where(i => i.ExpiresAt > now && !string.Equals(i.Entry.Id, id, StringComparison.Ordinal))];
            // Empty, not an empty build: rows are only appended in place to a snapshot that knows its dimension.
            _snapshot = kept.Length == 0 ? Snapshot.Empty : Snapshot.Build(kept);
            return true;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _snapshot = Snapshot.Empty;
            SyncedVersion = -1;
        }
    }

    // Added to a CJK candidate's rank when it retrieved the question's article (similarities are at most 1).
    private const float SameArticleRank = 2f;

    /// <summary>The <paramref name="count"/> entries nearest to <paramref name="query"/>, nearest first (for CJK text, entries about the question's article first); expired entries are skipped.
    /// Similarity is cosine, or character-bigram similarity when the query is CJK text.</summary>
    public IReadOnlyList<SemanticCandidate> Search(SemanticQuery query, int count)
    {
        ArgumentNullException.ThrowIfNull(query);
        var snapshot = _snapshot;
        var n = snapshot.Count;
        if (n == 0 || count <= 0)
        {
            return [];
        }

        var now = _time.GetUtcNow();
        var rented = System.Buffers.ArrayPool<float>.Shared.Rent(n);
        try
        {
            return Top(snapshot, query, count, rented.AsSpan(0, n), now);
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    private static List<SemanticCandidate> Top(Snapshot snapshot, SemanticQuery query, int count, Span<float> scores, DateTimeOffset now)
    {
        var items = snapshot.Items;
        var n = snapshot.Count;
        if (query.Features.IsCjk)
        {
            // Character similarity says little about intent, so entries about the question's own article come first (ranked
            // among themselves by similarity): they are the only ones the matcher could accept at a low similarity.
            for (var i = 0; i < n; i++)
            {
                var sameArticle = query.TopDocument is not null && string.Equals(query.TopDocument, items[i].Entry.TopDocument, StringComparison.Ordinal);
                scores[i] = (float)QuestionFeatures.CjkBigramSimilarity(query.Features, items[i].Features) + (sameArticle ? SameArticleRank : 0);
            }
        }
        else
        {
            var q = Normalize(query.Embedding);
            var dim = snapshot.Dimension;
            if (q.Length != dim)
            {
                return [];
            }

            // A tight loop over the contiguous rows only; the entry objects are looked at below, for the few that make the top.
            var rows = snapshot.Rows.AsSpan();
            for (var i = 0; i < n; i++)
            {
                scores[i] = TensorPrimitives.Dot(rows.Slice(i * dim, dim), q);
            }
        }

        // Partial selection of the top `count`: count is small (≤ 10), so insertion into a short list beats a full sort.
        var top = new List<(int Index, float Score)>(count + 1);
        var cjkQuery = query.Features.IsCjk;
        for (var i = 0; i < scores.Length; i++)
        {
            if (top.Count == count && scores[i] <= top[^1].Score)
            {
                continue;
            }

            // Expired entries are skipped; entries of another language (CJK) have no meaningful cosine with English text.
            if (items[i].ExpiresAt <= now || !cjkQuery && items[i].Features.IsCjk)
            {
                continue;
            }

            var at = top.Count;
            while (at > 0 && top[at - 1].Score < scores[i])
            {
                at--;
            }

            top.Insert(at, (i, scores[i]));
            if (top.Count > count)
            {
                top.RemoveAt(top.Count - 1);
            }
        }

        return top.Select(t => new SemanticCandidate(items[t.Index].Entry, items[t.Index].Features, t.Score >= SameArticleRank ? t.Score - SameArticleRank : t.Score)).ToList();
    }

    /// <summary>Returns a unit-length copy (or the same array when it already is).</summary>
    public static float[] Normalize(float[] vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        var norm = TensorPrimitives.Norm(vector);
        if (norm == 0 || Math.Abs(norm - 1f) < 1e-4f)
        {
            return vector;
        }

        var copy = new float[vector.Length];
        TensorPrimitives.Divide(vector, norm, copy);
        return copy;
    }

    private sealed record Item(SemanticEntry Entry, QuestionFeatures Features, DateTimeOffset ExpiresAt);

    /// <summary>An immutable view: the first <see cref="Count"/> items and rows; the arrays may have spare capacity
    /// that later appends fill without disturbing readers of this view.</summary>
    private sealed class Snapshot(Item[] items, float[] rows, int count, int dimension, HashSet<string> ids)
    {
        public static Snapshot Empty { get; } = new([], [], 0, 0, []);

        public Item[] Items { get; } = items;

        public float[] Rows { get; } = rows;

        public int Count { get; } = count;

        public int Capacity => Items.Length;

        public int Dimension { get; } = dimension;

        /// <summary>Ids of the first Count items; a new set per snapshot so readers never see it change.</summary>
        public HashSet<string> Ids { get; } = ids;

        public static Snapshot Build(Item[] live)
        {
            var dim = live.Select(i => i.Entry.Embedding.Length).FirstOrDefault(l => l > 0);
            var capacity = Math.Max(16, live.Length * 2);
            var snapshot = new Snapshot(new Item[capacity], new float[capacity * dim], live.Length, dim,
                live.Select(i => i.Entry.Id).ToHashSet(StringComparer.Ordinal));
            for (var i = 0; i < live.Length; i++)
            {
                snapshot.Write(i, live[i]);
            }

            return snapshot;
        }

        public void Write(int index, Item item)
        {
            Items[index] = item;
            var v = item.Entry.Embedding;
            if (v.Length == Dimension && Dimension > 0)
            {
                Normalize(v).AsSpan().CopyTo(Rows.AsSpan(index * Dimension, Dimension));
            }
        }

        public Snapshot Grow(IReadOnlyList<Item> added)
        {
            var ids = new HashSet<string>(Ids, StringComparer.Ordinal);
            foreach (var item in added)
            {
                ids.Add(item.Entry.Id);
            }

            return new Snapshot(Items, Rows, Count + added.Count, Dimension, ids);
        }
    }
}
