using System.Globalization;

namespace WorkflowStudio.Components.Designer;

/// <summary>Plain-language time spans for cache badges and the inspector ("30 min", "1 h", "2 days").</summary>
public static class TtlText
{
    public static string Format(int seconds)
    {
        if (seconds <= 0)
        {
            return "0 s";
        }
        if (seconds % 86400 == 0)
        {
            var days = seconds / 86400;
            return days == 1 ? "1 day" : string.Create(CultureInfo.InvariantCulture, $"{days} days");
        }
        if (seconds % 3600 == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600} h");
        }
        if (seconds % 60 == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{seconds / 60} min");
        }
        return string.Create(CultureInfo.InvariantCulture, $"{seconds} s");
    }
}
