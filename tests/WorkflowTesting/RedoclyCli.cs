using System.Diagnostics;
using System.Text.Json;

namespace WorkflowTesting;

/// <summary>Redocly's OpenAPI linter (the npm package @redocly/cli), installed once into <c>.tools/redocly</c> of the
/// repository with npm, which the test command installs with apt-get when it is missing.</summary>
public static class RedoclyCli
{
    public const string Version = "2.77.0";

    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    /// <summary>The result of <c>redocly lint --extends=recommended</c>: counts and each problem as "severity rule: message at pointer".</summary>
    public sealed record LintResult(int Errors, int Warnings, IReadOnlyList<string> Problems);

    public static async Task<LintResult> LintAsync(string documentPath, CancellationToken cancellationToken = default)
    {
        var cli = await EnsureInstalledAsync(cancellationToken);
        var (exitCode, output, error) = await RunAsync(cli, ["lint", documentPath, "--extends=recommended", "--format=json"], RepositoryFiles.Root, cancellationToken);
        var start = output.IndexOf('{');
        if (start < 0)
        {
            throw new InvalidOperationException($"redocly lint printed no report (exit {exitCode}): {error}");
        }
        using var report = JsonDocument.Parse(output[start..]);
        var totals = report.RootElement.GetProperty("totals");
        var problems = report.RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()} at "
                + string.Join(", ", p.GetProperty("location").EnumerateArray().Select(l => l.TryGetProperty("pointer", out var ptr) ? ptr.GetString() : "?")))
            .ToList();
        return new LintResult(totals.GetProperty("errors").GetInt32(), totals.GetProperty("warnings").GetInt32(), problems);
    }

    private static async Task<string> EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        var prefix = RepositoryFiles.PathOf(".tools", "redocly");
        var cli = Path.Combine(prefix, "node_modules", ".bin", "redocly");
        await InstallGate.WaitAsync(cancellationToken);
        try
        {
            if (!File.Exists(cli))
            {
                Directory.CreateDirectory(prefix);
                var (exitCode, _, error) = await RunAsync("npm", ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", $"@redocly/cli@{Version}"], prefix, cancellationToken);
                if (exitCode != 0 || !File.Exists(cli))
                {
                    throw new InvalidOperationException($"npm could not install @redocly/cli@{Version} (exit {exitCode}): {error}. Run ./scripts/test.sh, which installs nodejs and npm when missing.");
                }
            }
            return cli;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, IEnumerable<string> args, string directory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // Redocly asks to send usage data unless told not to; tests send nothing anywhere.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output, await error);
    }
}
