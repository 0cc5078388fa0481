using Blazor.Diagrams.Core.Anchors;
using Blazor.Diagrams.Core.Models;

namespace WorkflowStudio.Components.Designer;

/// <summary>A connection on the canvas. <see cref="Edge"/> is the graph edge it draws, set by <see cref="DiagramMapper"/>;
/// null while the user is still dragging a new link.</summary>
public sealed class WorkflowLinkModel : LinkModel
{
    public WorkflowLinkModel(Anchor source, Anchor target) : base(source, target)
    {
        Style();
    }

    public WorkflowLinkModel(WorkflowEngine.Graphs.Edge edge, PortModel source, PortModel target) : base(DiagramMapper.LinkId(edge), source, target)
    {
        Edge = edge;
        Style();
    }

    public WorkflowEngine.Graphs.Edge? Edge { get; internal set; }

    private void Style()
    {
        TargetMarker = LinkMarker.Arrow;
        Width = 2;
        Color = "#94a3b8";
        SelectedColor = "#1e88e5";
    }
}
