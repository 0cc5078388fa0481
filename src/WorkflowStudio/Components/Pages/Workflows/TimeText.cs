namespace WorkflowStudio.Components.Pages.Workflows;

/// <summary>"5 minutes ago" for lists; the exact time goes in a tooltip.</summary>
public static class TimeText
{
    public static string Ago(DateTimeOffset when, DateTimeOffset now)
    {
        var age = now - when;
        return age.TotalSeconds switch
        {
            < 60 => "just now",
            < 3600 => Plural((int)age.TotalMinutes, "minute"),
            < 86400 => Plural((int)age.TotalHours, "hour"),
            < 2 * 86400 => "yesterday",
            < 30 * 86400 => Plural((int)age.TotalDays, "day"),
            _ => when.ToString("d MMM yyyy"),
        };
    }

    private static string Plural(int n, string unit) => $"{n} {unit}{(n == 1 ? "" : "s")} ago";
}
