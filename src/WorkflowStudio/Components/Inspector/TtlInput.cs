using WorkflowEngine.Graphs;

namespace WorkflowStudio.Components.Inspector;

public enum TtlUnit
{
    Seconds = 1,
    Minutes = 60,
    Hours = 3600,
    Days = 86400,
}

/// <summary>A TTL as the user types it (an amount and a unit), with the checks the engine's validator applies.</summary>
public readonly record struct TtlInput(int Amount, TtlUnit Unit)
{
    public static IReadOnlyList<(string Label, int Seconds)> Presets { get; } =
        [("1 min", 60), ("30 min", 1800), ("1 h", 3600), ("1 day", 86400)];

    public long Seconds => (long)Amount * (int)Unit;

    /// <summary>The largest unit that shows <paramref name="seconds"/> as a whole number.</summary>
    public static TtlInput FromSeconds(int seconds)
    {
        foreach (var unit in new[] { TtlUnit.Days, TtlUnit.Hours, TtlUnit.Minutes })
        {
            if (seconds > 0 && seconds % (int)unit == 0)
            {
                return new TtlInput(seconds / (int)unit, unit);
            }
        }
        return new TtlInput(seconds, TtlUnit.Seconds);
    }

    /// <returns>Null when the TTL can be saved, otherwise what is wrong in plain words.</returns>
    public string? Problem() => Seconds switch
    {
        <= 0 => "Enter a time greater than zero.",
        > NodeCacheSettings.MaxTtlSeconds => "That is longer than the maximum of 7 days.",
        _ => null,
    };
}
