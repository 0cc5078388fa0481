using System.Globalization;
using Blazor.Diagrams.Core;
using WorkflowEngine.Caching;
using WorkflowEngine.Events;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Components.Chat;

/// <summary>Turns a run's events (live, or a recorded trace replayed) into the canvas overlay: a pill under each node card and
/// thicker primary-colour links on the path the run took. Each change refreshes only the node or link it concerns.</summary>
public static class RunOverlay
{
    public const string PathColor = "#1e88e5";
    private const string IdleColor = "#94a3b8";

    public const string Waiting = "waiting";
    public const string Running = "running";
    public const string Hit = "hit";
    public const string Miss = "miss";
    public const string NegativeHit = "negative-hit";
    public const string Done = "done";
    public const string Skipped = "skipped";
    public const string Failed = "failed";

    /// <summary>The overlay for one node event; null for events that do not change a node's pill (streamed tokens).</summary>
    public static NodeOverlay? For(NodeEvent e) => e switch
    {
        NodeStarted => new NodeOverlay(Running, "running…"),
        NodeSucceeded s => ForSucceeded(s.Cache, s.Elapsed.TotalMilliseconds, s.Details),
        NodeSkipped k => new NodeOverlay(Skipped, "skipped", k.Reason),
        NodeFailed f => new NodeOverlay(Failed, "FAILED", f.Error),
        _ => null,
    };

    /// <summary>The overlay for a recorded trace entry (the Runs page's replay).</summary>
    public static NodeOverlay For(RunTraceEntry t) => t.Status switch
    {
        RunTraceEntry.Skipped => new NodeOverlay(Skipped, "skipped", t.Detail),
        RunTraceEntry.Failed => new NodeOverlay(Failed, "FAILED", t.Detail),
        _ => ForSucceeded(ParseStatus(t.Cache, t.Level, t.SavedMs), t.ElapsedMs, t.Details),
    };

    /// <summary>Marks every node as waiting and resets the links: a new run begins.</summary>
    public static void Begin(Diagram diagram)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        foreach (var node in diagram.Nodes.OfType<WorkflowNodeModel>())
        {
            node.Overlay = new NodeOverlay(Waiting, "waiting");
            node.Refresh();
        }
        ResetLinks(diagram);
    }

    /// <summary>Removes the overlay (the user dismissed it).</summary>
    public static void Clear(Diagram diagram)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        foreach (var node in diagram.Nodes.OfType<WorkflowNodeModel>().Where(n => n.Overlay is not null))
        {
            node.Overlay = null;
            node.Refresh();
        }
        ResetLinks(diagram);
    }

    /// <summary>Applies one engine event to the node it concerns. Returns true when something changed.</summary>
    public static bool Apply(Diagram diagram, WorkflowEvent e)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        if (e is RunStarted)
        {
            Begin(diagram);
            return true;
        }
        if (e is RunCompleted completed)
        {
            return MarkNotReached(diagram, completed);
        }
        if (e is not NodeEvent ne || For(ne) is not { } overlay)
        {
            return false;
        }
        return Set(diagram, ne.NodeId, overlay, e is NodeSucceeded s ? s.Port : null, e is NodeSucceeded or NodeFailed);
    }

    /// <summary>A run that failed or was stopped never reaches the nodes after the failure: they stop saying "waiting".</summary>
    private static bool MarkNotReached(Diagram diagram, RunCompleted completed)
    {
        var changed = false;
        var reason = completed.Status == RunStatus.Succeeded ? "Not on the path this run took." : "Not reached: the run ended before this step.";
        foreach (var node in diagram.Nodes.OfType<WorkflowNodeModel>().Where(n => n.Overlay?.State is Waiting or Running))
        {
            node.Overlay = new NodeOverlay(Skipped, "not run", reason);
            node.Refresh();
            changed = true;
        }
        return changed;
    }

    /// <summary>Shows a recorded run: every traced node's final state and the path it took.</summary>
    public static void Replay(Diagram diagram, IEnumerable<RunTraceEntry> trace)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        ArgumentNullException.ThrowIfNull(trace);
        Clear(diagram);
        foreach (var t in trace)
        {
            Set(diagram, t.NodeId, For(t), t.Status == RunTraceEntry.Succeeded ? t.Port : null, t.Status != RunTraceEntry.Skipped);
        }
    }

    private static bool Set(Diagram diagram, string nodeId, NodeOverlay overlay, string? activePort, bool reached)
    {
        if (diagram.Nodes.OfType<WorkflowNodeModel>().FirstOrDefault(n => n.NodeId == nodeId) is not { } node)
        {
            return false;
        }
        node.Overlay = overlay;
        node.Refresh();
        if (reached)
        {
            HighlightPathInto(diagram, node, activePort);
        }
        return true;
    }

    /// <summary>A link is on the path when the node it leads into ran (or failed) and the node it leaves from ran and left by that port.</summary>
    private static void HighlightPathInto(Diagram diagram, WorkflowNodeModel target, string? targetActivePort)
    {
        target.SetActivePort(targetActivePort);
        foreach (var link in diagram.Links.OfType<WorkflowLinkModel>())
        {
            if (link.Edge is not { } edge || edge.To != target.NodeId)
            {
                continue;
            }
            var source = diagram.Nodes.OfType<WorkflowNodeModel>().FirstOrDefault(n => n.NodeId == edge.From);
            if (source?.Overlay is not { State: Hit or Miss or NegativeHit or Done })
            {
                continue;
            }
            if (edge.FromPort is not null && source.ActivePort is { } port && !string.Equals(port, edge.FromPort, StringComparison.Ordinal))
            {
                continue;
            }
            link.Width = 4;
            link.Color = PathColor;
            link.Refresh();
        }
    }

    private static void ResetLinks(Diagram diagram)
    {
        foreach (var link in diagram.Links.OfType<WorkflowLinkModel>().Where(l => l.Width > 2))
        {
            link.Width = 2;
            link.Color = IdleColor;
            link.Refresh();
        }
        foreach (var node in diagram.Nodes.OfType<WorkflowNodeModel>())
        {
            node.SetActivePort(null);
        }
    }

    private static NodeOverlay ForSucceeded(CacheOutcome cache, double elapsedMs, IReadOnlyDictionary<string, string>? details)
    {
        var elapsed = FormatMs(elapsedMs);
        return cache.Status switch
        {
            CacheStatus.Hit => new NodeOverlay(Hit, $"HIT {cache.Level?.ToString() ?? ""} · {elapsed}".Replace("  ", " ", StringComparison.Ordinal),
                HitTooltip(cache, details)),
            CacheStatus.Miss => new NodeOverlay(Miss, $"MISS · {elapsed}", "Not in the cache yet: the step ran and its result was remembered."),
            CacheStatus.NegativeHit => new NodeOverlay(NegativeHit, "NOT FOUND (cached)", "Found nothing last time too; that was remembered (negative caching)."),
            CacheStatus.Error => new NodeOverlay(Done, $"ran · {elapsed}", cache.Detail ?? "The cache could not be used; the step ran."),
            _ => new NodeOverlay(Done, $"ran · {elapsed}"),
        };
    }

    private static string HitTooltip(CacheOutcome cache, IReadOnlyDictionary<string, string>? details)
    {
        var text = cache.Level == CacheLevel.L2 ? "Served from the shared cache (L2, Redis)" : "Served from the in-memory cache (L1)";
        if (cache.Saved is { } saved)
        {
            text += $"; saved {FormatMs(saved.TotalMilliseconds)}";
        }
        if (details is not null && details.TryGetValue("matchedQuestion", out var q))
        {
            text += $"; matched '{q}'" + (details.TryGetValue("similarity", out var similarity) ? $" (similarity {similarity})" : "");
        }
        return text;
    }

    private static CacheOutcome ParseStatus(string? cache, string? level, double? savedMs) => new(
        cache switch
        {
            "hit" => CacheStatus.Hit,
            "miss" => CacheStatus.Miss,
            "negative-hit" => CacheStatus.NegativeHit,
            "error" => CacheStatus.Error,
            _ => CacheStatus.Bypass,
        },
        Enum.TryParse<CacheLevel>(level, out var l) ? l : null,
        savedMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);

    /// <summary>"0.3 ms", "12 ms", "1.6 s".</summary>
    public static string FormatMs(double ms) => ms switch
    {
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{ms:0.0} ms"),
        < 1000 => string.Create(CultureInfo.InvariantCulture, $"{ms:0} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:0.0} s"),
    };
}
