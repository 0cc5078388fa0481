using System.Globalization;

namespace WorkflowStudio.Hosting;

/// <summary><c>copy-database</c>'s command line: <c>--from</c>, <c>--to</c>, <c>--batch-size</c> (each as <c>--name value</c>
/// or <c>--name=value</c>) and <c>--help</c>.</summary>
internal sealed record CopyDatabaseOptions(string? From, string? To, int BatchSize, bool Help)
{
    /// <summary>Reads the arguments after the command's name; false with what is wrong when they cannot be used.</summary>
    public static bool TryParse(IReadOnlyList<string> args, out CopyDatabaseOptions options, out string problem)
    {
        options = new CopyDatabaseOptions(null, null, 1000, false);
        problem = "";
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inline) = args[i].Split('=', 2) is [var n, var v] && args[i].StartsWith("--", StringComparison.Ordinal) ? (n, v) : (args[i], null);
            if (name == "--help")
            {
                options = options with { Help = true };
                return true;
            }
            if (name is not ("--from" or "--to" or "--batch-size"))
            {
                problem = $"unknown option {name}";
                return false;
            }
            var value = inline ?? (i + 1 < args.Count ? args[++i] : null);
            if (string.IsNullOrWhiteSpace(value))
            {
                problem = $"{name} needs a value";
                return false;
            }
            switch (name)
            {
                case "--from":
                    options = options with { From = value };
                    break;
                case "--to":
                    options = options with { To = value };
                    break;
                default:
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var rows) || rows < 1)
                    {
                        problem = $"--batch-size must be a whole number above 0, not {value}";
                        return false;
                    }
                    options = options with { BatchSize = rows };
                    break;
            }
        }
        if (options.From is null)
        {
            problem = "--from is required: the studio's SQLite file";
            return false;
        }
        return true;
    }
}
