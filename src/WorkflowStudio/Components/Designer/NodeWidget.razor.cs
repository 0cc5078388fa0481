using System.Globalization;
using Microsoft.AspNetCore.Components;

namespace WorkflowStudio.Components.Designer;

/// <summary>The card for one workflow node: coloured icon square, title, settings summary, cache badge, ports, and the
/// selected/invalid/run states. Registered for <see cref="WorkflowNodeModel"/> in <see cref="DesignerRegistration"/>.</summary>
public partial class NodeWidget
{
    [Parameter, EditorRequired]
    public WorkflowNodeModel Node { get; set; } = null!;

    private string Icon => NodeIcons.Resolve(Node.IconName);

    // A card with more than two outputs is taller (WorkflowNodeModel.HeightFor); the stylesheet's height is that of the others.
    private string Style => Node.Size is { Height: > WorkflowNodeModel.CardHeight } size
        ? string.Create(CultureInfo.InvariantCulture, $"--wf-node-color: {Node.Color}; height: {size.Height:0.###}px")
        : $"--wf-node-color: {Node.Color}";

    private string Tooltip => Node.IsInvalid ? Node.Problems[0] : Node.TypeName;

    private string CssClass
    {
        get
        {
            var css = "wf-node";
            if (Node.Selected)
            {
                css += " wf-node-selected";
            }
            if (Node.IsInvalid)
            {
                css += " wf-node-invalid";
            }
            if (Node.Overlay is { State: "skipped" })
            {
                css += " wf-node-skipped";
            }
            if (Node.Overlay is { State: "running" })
            {
                css += " wf-node-running";
            }
            return css;
        }
    }

    // Port names come from settings (a classify step's classes may be any text): only a plain name becomes a CSS class.
    private static string PortClass(WorkflowPortModel port) =>
        port.IsInput ? "wf-port wf-port-in"
        : port.PortName is { } name && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? $"wf-port wf-port-out wf-port-{name}"
        : "wf-port wf-port-out";

    private static string PortStyle(WorkflowPortModel port)
    {
        // The model places the port at the same spot (WorkflowPortModel.CentreY), so links meet it without measuring.
        return string.Create(CultureInfo.InvariantCulture, $"top: {port.CentreY:0.###}px");
    }

    private static string OverlayClass(NodeOverlay overlay) => $"wf-node-overlay wf-overlay-{overlay.State}";
}
