using Blazor.Diagrams;
using Blazor.Diagrams.Core.Anchors;
using Blazor.Diagrams.Core.Models;
using Blazor.Diagrams.Options;

namespace WorkflowStudio.Components.Designer;

/// <summary>The one place that configures a workflow diagram: its options, link factory and widget registrations.</summary>
public static class DesignerRegistration
{
    public static BlazorDiagram CreateDiagram()
    {
        var options = new BlazorDiagramOptions
        {
            AllowMultiSelection = true,
            AllowPanning = true,
            GridSize = null,
        };
        options.Zoom.Enabled = true;
        options.Zoom.Minimum = 0.25;
        options.Zoom.Maximum = 2;
        options.Links.RequireTarget = true;
        options.Links.EnableSnapping = true;
        options.Links.SnappingRadius = 24;
        options.Links.Factory = (_, source, target) => source is PortModel port ? new WorkflowLinkModel(new SinglePortAnchor(port), target) : null;
        options.Links.TargetAnchorFactory = (_, _, model) => model switch
        {
            PortModel port => new SinglePortAnchor(port),
            NodeModel node => new ShapeIntersectionAnchor(node),
            _ => throw new ArgumentOutOfRangeException(nameof(model)),
        };

        var diagram = new BlazorDiagram(options);
        RegisterWidgets(diagram);
        return diagram;
    }

    public static void RegisterWidgets(BlazorDiagram diagram)
    {
        diagram.RegisterComponent<WorkflowNodeModel, NodeWidget>();
    }
}
