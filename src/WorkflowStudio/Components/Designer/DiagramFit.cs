using Blazor.Diagrams.Core;

namespace WorkflowStudio.Components.Designer;

/// <summary>Zoom and pan so a diagram's nodes fit a view: shared by the editor's canvas and the Runs page's read-only replay.</summary>
public static class DiagramFit
{
    /// <summary>Fits every node into a <paramref name="width"/>×<paramref name="height"/> view, zoom clamped to
    /// [<paramref name="minZoom"/>, <paramref name="maxZoom"/>], centred; a graph too large even at the smallest zoom starts at
    /// its top-left corner.</summary>
    public static void Apply(Diagram diagram, double width, double height, double minZoom, double maxZoom)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        if (width <= 0 || height <= 0)
        {
            return;
        }
        if (diagram.Nodes.Count == 0)
        {
            diagram.SetZoom(1);
            diagram.SetPan(0, 0);
            return;
        }
        const double margin = 24;
        var left = diagram.Nodes.Min(n => n.Position.X);
        var top = diagram.Nodes.Min(n => n.Position.Y);
        var right = diagram.Nodes.Max(n => n.Position.X + (n.Size?.Width ?? WorkflowNodeModel.CardWidth));
        var bottom = diagram.Nodes.Max(n => n.Position.Y + (n.Size?.Height ?? WorkflowNodeModel.CardHeight)) + 24; // room for run pills
        var zoom = Math.Clamp(Math.Min((width - 2 * margin) / (right - left), (height - 2 * margin) / (bottom - top)), minZoom, maxZoom);
        diagram.SetZoom(zoom);
        var graphWidth = (right - left) * zoom;
        var graphHeight = (bottom - top) * zoom;
        var panX = graphWidth <= width - 2 * margin ? (width - graphWidth) / 2 - left * zoom : margin - left * zoom;
        var panY = graphHeight <= height - 2 * margin ? (height - graphHeight) / 2 - top * zoom : margin - top * zoom;
        diagram.SetPan(panX, panY);
    }
}
