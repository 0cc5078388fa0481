using WorkflowEngine.Persistence;

namespace WorkflowStudio.Hosting;

/// <summary>On a terminal, one line rewritten in place while a table is copied; otherwise (a log, a pipe) one line per table
/// when it is done. Reports arrive on the copying thread, in order.</summary>
internal sealed class CopyProgressLine(TextWriter output, bool interactive) : IProgress<TableCopyProgress>
{
    /// <summary>The length of the progress text on the current line; 0 when the line is empty.</summary>
    private int _width;

    public void Report(TableCopyProgress value)
    {
        if (value.Result is { } result)
        {
            Write($"{result.Table,-28} {result.Copied,9:N0} copied" + (result.AlreadyThere > 0 ? $", {result.AlreadyThere:N0} already there" : ""));
            End();
        }
        else if (interactive)
        {
            Write($"{value.Table,-28} {value.Done:N0}/{value.Total:N0}");
        }
    }

    /// <summary>Ends a line left open, so what follows starts on a line of its own.</summary>
    public void End()
    {
        if (_width > 0)
        {
            output.WriteLine();
            _width = 0;
        }
    }

    private void Write(string line)
    {
        // On a terminal the line is rewritten from its start; spaces cover a longer text written before.
        output.Write(interactive ? "\r" + line.PadRight(_width) : line);
        _width = line.Length;
    }
}
