namespace WorkflowEngine.Caching;

/// <summary>
/// A bounded map that drops its least recently used entry when full. The engine keeps what it builds on first use here (chat
/// clients per endpoint, knowledge-base indexes, semantic-cache indexes per scope), so that many endpoints, knowledge bases or
/// scopes cannot grow memory without end; an evicted entry is simply built again on its next use.
/// <para>Written by hand because <c>MemoryCache</c> with a size limit refuses a new entry when full and compacts later on
/// another thread, whereas these callers always need the entry they ask for. One lock; reads and writes are O(1).</para>
/// </summary>
public sealed class LruCache<TKey, TValue>
    where TKey : notnull
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TKey, LinkedListNode<KeyValuePair<TKey, TValue>>> _map;

    // Most recently used first.
    private readonly LinkedList<KeyValuePair<TKey, TValue>> _order = new();

    public LruCache(int capacity, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _map = new Dictionary<TKey, LinkedListNode<KeyValuePair<TKey, TValue>>>(comparer);
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _map.Count;
            }
        }
    }

    /// <summary>The entries, most recently used first (a copy; using them does not count as a use).</summary>
    public IReadOnlyList<KeyValuePair<TKey, TValue>> Snapshot()
    {
        lock (_gate)
        {
            return [.. _order];
        }
    }

    public bool TryGetValue(TKey key, out TValue value)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                Touch(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = default!;
        return false;
    }

    /// <summary>The entry for <paramref name="key"/>, created by <paramref name="factory"/> when missing. As with
    /// ConcurrentDictionary, two callers racing for a missing key may both run the factory; one result is kept and returned to both.</summary>
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (TryGetValue(key, out var existing))
        {
            return existing;
        }
        var created = factory(key);
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                Touch(node);
                return node.Value.Value;
            }
            _map[key] = _order.AddFirst(new KeyValuePair<TKey, TValue>(key, created));
            while (_map.Count > Capacity)
            {
                var oldest = _order.Last!;
                _order.RemoveLast();
                _map.Remove(oldest.Value.Key);
            }
            return created;
        }
    }

    public bool TryRemove(TKey key)
    {
        lock (_gate)
        {
            if (!_map.Remove(key, out var node))
            {
                return false;
            }
            _order.Remove(node);
            return true;
        }
    }

    /// <summary>Removes the entry only while it still holds <paramref name="value"/> (so a fresh replacement is kept).</summary>
    public bool TryRemove(TKey key, TValue value)
    {
        lock (_gate)
        {
            if (!_map.TryGetValue(key, out var node) || !EqualityComparer<TValue>.Default.Equals(node.Value.Value, value))
            {
                return false;
            }
            _map.Remove(key);
            _order.Remove(node);
            return true;
        }
    }

    /// <summary>Removes every entry the predicate selects; returns how many.</summary>
    public int RemoveWhere(Func<TKey, TValue, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        lock (_gate)
        {
            var removed = 0;
            for (var node = _order.First; node is not null;)
            {
                var next = node.Next;
                if (predicate(node.Value.Key, node.Value.Value))
                {
                    _map.Remove(node.Value.Key);
                    _order.Remove(node);
                    removed++;
                }
                node = next;
            }
            return removed;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _map.Clear();
            _order.Clear();
        }
    }

    private void Touch(LinkedListNode<KeyValuePair<TKey, TValue>> node)
    {
        if (node != _order.First)
        {
            _order.Remove(node);
            _order.AddFirst(node);
        }
    }
}
