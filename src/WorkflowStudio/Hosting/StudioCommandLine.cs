using WorkflowStudio.Hosting;

// Beside WebApplication, so Program.cs calls it without a using.
namespace Microsoft.AspNetCore.Builder;

/// <summary>The commands the studio's binary runs instead of the studio (so the Docker image has them): the first argument
/// names one, e.g. <c>WorkflowStudio copy-database --from App_Data/studio.db</c>.</summary>
public static class StudioCommandLine
{
    /// <summary>Runs the command <paramref name="args"/> names and returns true, with the process's exit code set; false when
    /// they name none (start the studio). Checked before the web application is built: a command needs the studio's
    /// configuration but none of its services, and its options are not the studio's settings.</summary>
    public static async Task<bool> TryRunCommandAsync(string[] args)
    {
        if (args is not [CopyDatabaseCommand.Name, ..])
        {
            // Completed at once, so the studio goes on building on the thread its Program started on.
            return false;
        }
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            // The studio's configuration sources (appsettings, environment), without the command's own arguments.
            var builder = WebApplication.CreateBuilder();
            var command = new CopyDatabaseCommand(Console.Out, Console.Error, interactive: !Console.IsOutputRedirected);
            Environment.ExitCode = await command.RunAsync(args[1..], builder.Configuration, builder.Environment.ContentRootPath, cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        return true;
    }
}
