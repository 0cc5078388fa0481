using System.Globalization;
using WorkflowEngine.Caching;

namespace WorkflowStudio.Components.Pages.Cache;

/// <summary>Cache figures in plain words: "75 %", "1.6 s", "3 of 4 lookups answered from cache · saved 1.6 s".</summary>
public static class CacheFigures
{
    public static string Ratio(NodeCacheStats stats) =>
        Lookups(stats) == 0 ? "–" : stats.HitRatio.ToString("0 %", CultureInfo.CurrentCulture);

    public static string Duration(TimeSpan time) => time.TotalMilliseconds switch
    {
        <= 0 => "–",
        < 1 => "< 1 ms",
        < 1000 => $"{time.TotalMilliseconds.ToString("0", CultureInfo.CurrentCulture)} ms",
        < 60_000 => $"{time.TotalSeconds.ToString("0.#", CultureInfo.CurrentCulture)} s",
        < 3_600_000 => $"{time.TotalMinutes.ToString("0.#", CultureInfo.CurrentCulture)} min",
        _ => $"{time.TotalHours.ToString("0.#", CultureInfo.CurrentCulture)} h",
    };

    /// <summary>One line for a workflow's totals.</summary>
    public static string Summary(NodeCacheStats total)
    {
        var lookups = Lookups(total);
        var reused = total.Hits + total.NegativeHits;
        var parts = new List<string> { $"{reused} of {lookups} {(lookups == 1 ? "lookup" : "lookups")} answered from cache" };
        if (total.TimeSaved > TimeSpan.Zero)
        {
            parts.Add($"saved {Duration(total.TimeSaved)}");
        }
        if (total.TokensSaved > 0)
        {
            parts.Add($"{total.TokensSaved.ToString("N0", CultureInfo.CurrentCulture)} AI tokens saved");
        }
        if (total.Errors > 0)
        {
            parts.Add($"{total.Errors} cache {(total.Errors == 1 ? "problem" : "problems")}");
        }
        return string.Join(" · ", parts);
    }

    private static long Lookups(NodeCacheStats stats) => stats.Hits + stats.NegativeHits + stats.Misses + stats.Errors;
}
