using WorkflowEngine.Caching;

namespace WorkflowEngine.Tests.Caching;

public sealed class LruCacheTests
{
    [Fact]
    public void GetOrAdd_BeyondCapacity_DropsTheLeastRecentlyUsed()
    {
        // Arrange
        var cache = new LruCache<string, int>(2);
        cache.GetOrAdd("a", _ => 1);
        cache.GetOrAdd("b", _ => 2);
        cache.TryGetValue("a", out _); // "b" is now the least recently used

        // Act
        cache.GetOrAdd("c", _ => 3);
        var order = cache.Snapshot().Select(e => e.Key).ToList();

        // Assert
        Assert.Equal(["c", "a"], order);
        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGetValue("a", out var a));
        Assert.Equal(1, a);
        Assert.False(cache.TryGetValue("b", out _));
    }

    [Fact]
    public void GetOrAdd_Present_ReturnsItWithoutRunningTheFactory()
    {
        // Arrange
        var cache = new LruCache<string, object>(4);
        var first = cache.GetOrAdd("k", _ => new object());

        // Act
        var second = cache.GetOrAdd("k", _ => throw new InvalidOperationException("not called"));

        // Assert
        Assert.Same(first, second);
    }

    [Fact]
    public void TryRemove_WithAValueThatWasReplaced_KeepsTheReplacement()
    {
        // Arrange
        var cache = new LruCache<string, string>(4);
        cache.GetOrAdd("k", _ => "old");
        cache.TryRemove("k");
        cache.GetOrAdd("k", _ => "new");

        // Act
        var removedOld = cache.TryRemove("k", "old");

        // Assert
        Assert.False(removedOld);
        Assert.True(cache.TryGetValue("k", out var value));
        Assert.Equal("new", value);
    }

    [Fact]
    public void RemoveWhere_Predicate_RemovesOnlyTheSelected()
    {
        // Arrange
        var cache = new LruCache<string, int>(10);
        foreach (var (key, value) in new[] { ("wf1:a", 1), ("wf1:b", 2), ("wf2:a", 3) })
        {
            cache.GetOrAdd(key, _ => value);
        }

        // Act
        var removed = cache.RemoveWhere((key, _) => key.StartsWith("wf1:", StringComparison.Ordinal));

        // Assert
        Assert.Equal(2, removed);
        Assert.Equal(["wf2:a"], cache.Snapshot().Select(e => e.Key));
    }

    [Fact]
    public async Task GetOrAdd_ManyThreads_NeverHoldsMoreThanTheCapacity()
    {
        // Arrange
        var cache = new LruCache<int, int>(16);

        // Act
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                cache.GetOrAdd((t * 7919 + i) % 100, k => k);
            }
        })));

        // Assert
        Assert.Equal(16, cache.Count);
        Assert.All(cache.Snapshot(), e => Assert.Equal(e.Key, e.Value));
    }
}
