using System.Diagnostics.Tracing;

namespace WorkflowTesting;

/// <summary>Samples allocations by type (the runtime's GCAllocationTick event, one per ~100 KB allocated), for the benchmarks'
/// <c>--alloc</c> reports.</summary>
public sealed class AllocationListener : EventListener
{
    public Dictionary<string, long> BytesByType { get; } = [];

    /// <summary>The <paramref name="count"/> types that allocated most, per <paramref name="operations"/>, as report lines.</summary>
    public IEnumerable<string> Top(int count, long operations)
    {
        lock (BytesByType)
        {
            return [.. BytesByType.OrderByDescending(kv => kv.Value).Take(count).Select(kv => $"    {kv.Value / operations,7:N0} B  {kv.Key}")];
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && eventData.Payload is { } payload
            && eventData.PayloadNames?.IndexOf("TypeName") is >= 0 and var index && payload[index] is string type)
        {
            lock (BytesByType)
            {
                BytesByType[type] = BytesByType.GetValueOrDefault(type) + 100 * 1024;
            }
        }
    }
}
