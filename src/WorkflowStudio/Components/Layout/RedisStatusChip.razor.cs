using Microsoft.AspNetCore.Components;
using MudBlazor;
using WorkflowEngine.Caching;

namespace WorkflowStudio.Components.Layout;

/// <summary>The app bar's cache indicator: Redis connected, Redis down (the studio carries on with its in-process cache) or
/// no Redis configured. Reads <see cref="RedisConnection.Health"/> every <see cref="RefreshInterval"/>.</summary>
public sealed partial class RedisStatusChip : IDisposable
{
    /// <summary>How often the chip looks at the connection again.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private const string LevelsExplained =
        "Results are kept in two places: L1, a fast memory inside this studio, and L2, a shared Redis server that other studio instances can reuse.";

    private RedisHealth _health = new(RedisStatus.Disabled, null, null, DateTimeOffset.MinValue);
    private ITimer? _timer;

    [Inject] private RedisConnection Redis { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    protected override void OnInitialized()
    {
        _health = Redis.Health;
        _timer = Time.CreateTimer(_ => _ = InvokeAsync(Refresh), null, RefreshInterval, RefreshInterval);
    }

    private void Refresh()
    {
        var health = Redis.Health;
        if (health.Status != _health.Status)
        {
            _health = health;
            StateHasChanged();
        }
    }

    private string Label => _health.Status switch
    {
        RedisStatus.Connected => "Cache: Redis connected",
        RedisStatus.Down => "Redis down — using in-memory cache",
        _ => "In-memory cache",
    };

    private Color ChipColor => _health.Status switch
    {
        RedisStatus.Connected => Color.Success,
        RedisStatus.Down => Color.Warning,
        _ => Color.Inherit, // outlined in the app bar's own text colour: readable on the dark bar
    };

    private string ChipIcon => _health.Status switch
    {
        RedisStatus.Connected => Icons.Material.Filled.Storage,
        RedisStatus.Down => Icons.Material.Filled.CloudOff,
        _ => Icons.Material.Filled.Memory,
    };

    private string Tooltip => _health.Status switch
    {
        RedisStatus.Connected => $"{LevelsExplained} Both are in use (Redis at {_health.Endpoint}).",
        RedisStatus.Down => $"{LevelsExplained} Redis at {_health.Endpoint} cannot be reached, so only L1 is used: bots keep answering, " +
                            "and Redis is used again automatically when it is back.",
        _ => $"{LevelsExplained} No Redis server is configured (ConnectionStrings:Redis), so only L1 is used.",
    };

    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
    }
}
