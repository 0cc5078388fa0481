using Microsoft.Extensions.Logging;
using ZiggyCreatures.Caching.Fusion.Locking.Distributed;

namespace WorkflowEngine.Caching;

/// <summary>
/// FusionCache's Redis distributed locker, except that releasing a lock does not make the run wait for Redis's reply. Hand
/// written because FusionCache has no such option. Safe because FusionCache releases the lock only after its L2 write has
/// completed (background distributed operations are off), so another instance that gets the lock next finds the value in
/// Redis; the release command itself still goes out at once, in order, on the shared connection. If it fails, the lock
/// expires on its own after <see cref="EngineCacheOptions.DistributedLockTimeout"/>, as it would if this instance had died.
/// Saves one Redis round trip per cached node on a miss (bench/WorkflowBench, docs/benchmarks.md "Caching").
/// </summary>
internal sealed class DeferredReleaseLocker(IFusionCacheDistributedLocker inner, ILogger logger) : IFusionCacheDistributedLocker, IDisposable
{
    public ValueTask<object?> AcquireLockAsync(string cacheName, string cacheInstanceId, string operationId, string key, string lockName, TimeSpan timeout, ILogger? log, CancellationToken token) =>
        inner.AcquireLockAsync(cacheName, cacheInstanceId, operationId, key, lockName, timeout, log, token);

    public object? AcquireLock(string cacheName, string cacheInstanceId, string operationId, string key, string lockName, TimeSpan timeout, ILogger? log, CancellationToken token) =>
        inner.AcquireLock(cacheName, cacheInstanceId, operationId, key, lockName, timeout, log, token);

    public ValueTask ReleaseLockAsync(string cacheName, string cacheInstanceId, string operationId, string key, string lockName, object? lockObj, ILogger? log, CancellationToken token)
    {
        ValueTask release;
        try
        {
            // Not the caller's token: the run may be over (or cancelled) before Redis answers, and the release must still happen.
            release = inner.ReleaseLockAsync(cacheName, cacheInstanceId, operationId, key, lockName, lockObj, log, CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.LockReleaseFailed(logger, e, key);
            return ValueTask.CompletedTask;
        }
        if (!release.IsCompleted)
        {
            _ = ObserveAsync(release, key);
        }
        else if (release.IsFaulted)
        {
            _ = ObserveAsync(release, key);
        }
        return ValueTask.CompletedTask;
    }

    public void ReleaseLock(string cacheName, string cacheInstanceId, string operationId, string key, string lockName, object? lockObj, ILogger? log, CancellationToken token) =>
        inner.ReleaseLock(cacheName, cacheInstanceId, operationId, key, lockName, lockObj, log, token);

    public void Dispose() => (inner as IDisposable)?.Dispose();

    private async Task ObserveAsync(ValueTask release, string key)
    {
        try
        {
            await release.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.LockReleaseFailed(logger, e, key);
        }
    }
}
