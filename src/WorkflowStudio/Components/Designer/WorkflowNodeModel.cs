using Blazor.Diagrams.Core.Geometry;
using Blazor.Diagrams.Core.Models;

namespace WorkflowStudio.Components.Designer;

/// <summary>A workflow node on the canvas. Holds ids and what the card shows (title, summary, cache badge, validation and
/// run overlay state) and nothing else: the engine's definition stays in the <c>WorkflowGraph</c>; <see cref="DiagramMapper"/> bridges the two.</summary>
public sealed class WorkflowNodeModel : NodeModel
{
    /// <summary>The card's size in px; NodeWidget.razor.css uses the same figures. A fixed size means bounds are known before
    /// the first render (fit to screen works at once) and no resize observer runs per node.</summary>
    public const double CardWidth = 220;
    public const double CardHeight = 72;

    /// <summary>The least distance in px between two output ports' centres, so each port's label sits clear of the next port.</summary>
    public const double PortSpacing = 24;

    /// <param name="outputCount">How many output ports the card has: a card with many (a classify step's classes) is taller.</param>
    public WorkflowNodeModel(string nodeId, string nodeType, Point position, int outputCount = 1) : base(nodeId, position)
    {
        NodeType = nodeType;
        Size = new Size(CardWidth, HeightFor(outputCount));
        ControlledSize = true;
    }

    /// <summary>The card's height for <paramref name="outputCount"/> output ports: <see cref="CardHeight"/> up to two, then
    /// <see cref="PortSpacing"/> per port.</summary>
    public static double HeightFor(int outputCount) => Math.Max(CardHeight, PortSpacing * (outputCount + 1));

    public string NodeId => Id;

    public string NodeType { get; }

    /// <summary>The node type's display name ("LLM", "Knowledge retrieval").</summary>
    public string TypeName { get; set; } = "";

    /// <summary>A Material icon name from the node type's attribute, e.g. "PlayArrow".</summary>
    public string IconName { get; set; } = "Circle";

    /// <summary>The node type's colour (CSS hex), from its attribute.</summary>
    public string Color { get; set; } = "#64748b";

    /// <summary>One line describing the node's settings.</summary>
    public string Summary { get; set; } = "";

    /// <summary>"30 min" when caching is on, otherwise null.</summary>
    public string? CacheBadge { get; set; }

    /// <summary>Validation problems about this node, in plain language; the first is the card's tooltip.</summary>
    public IReadOnlyList<string> Problems { get; set; } = [];

    public bool IsInvalid => Problems.Count > 0;

    /// <summary>What the last or current run did at this node; null when there is nothing to show.</summary>
    public NodeOverlay? Overlay { get; set; }

    /// <summary>The output port the last run left this node by (the cache gate's "hit" or "miss"); null for single outputs.</summary>
    public string? ActivePort { get; private set; }

    public void SetActivePort(string? port) => ActivePort = port;

    public IEnumerable<WorkflowPortModel> WorkflowPorts => Ports.OfType<WorkflowPortModel>();

    public WorkflowPortModel? InputPort => WorkflowPorts.FirstOrDefault(p => p.IsInput);

    /// <summary>The output ports' names in order (null for a single unnamed output).</summary>
    public IEnumerable<string?> OutputPortNames => WorkflowPorts.Where(p => !p.IsInput).Select(p => p.PortName);

    /// <summary>The output port named <paramref name="name"/> (null for the single unnamed output).</summary>
    public WorkflowPortModel? OutputPort(string? name) => WorkflowPorts.FirstOrDefault(p => !p.IsInput && p.PortName == name);
}

/// <summary>A node's run state as the canvas shows it (pill under the card).</summary>
/// <param name="State">waiting, running, hit, miss, negative-hit, done (ran without caching), skipped, failed.</param>
/// <param name="Label">The pill text, e.g. "HIT L1 · 0.3 ms".</param>
/// <param name="Tooltip">Detail on hover (a failure message, a matched question).</param>
public sealed record NodeOverlay(string State, string Label, string? Tooltip = null);

/// <summary>An input (left) or output (right) port. <see cref="PortName"/> is the edge's fromPort for named outputs
/// (the cache gate's "hit" and "miss", a classify step's classes) and null for a node's single output or its input.</summary>
/// <remarks>Cards have a fixed size, so a port's place is known from the card's position without measuring it in the browser:
/// the port is created <see cref="PortModel.Initialized"/> with its position and size. Blazor.Diagrams only draws a link once
/// both its ports are initialized, and measures ports itself only when the diagram already knows its container (which it
/// learns after the first render), so measured ports left the links of a freshly opened workflow undrawn.
/// Moving the node moves its ports with it (NodeModel.SetPosition).</remarks>
public sealed class WorkflowPortModel : PortModel
{
    /// <summary>The port circle's diameter in px; NodeWidget.razor.css (.wf-port) uses the same figure.</summary>
    public const double Diameter = 14;

    /// <summary>The card's border width in px: ports are placed inside it (absolute positioning starts at the padding box).</summary>
    private const double CardBorder = 1;

    public WorkflowPortModel(WorkflowNodeModel parent, bool isInput, string? portName, int index, int count)
        : base(PortId(parent.NodeId, isInput, portName), parent, isInput ? PortAlignment.Left : PortAlignment.Right)
    {
        IsInput = isInput;
        PortName = portName;
        Index = index;
        Count = count;
        // .wf-port-in sits at left: -7px, .wf-port-out at right: -7px, and both at top: CentreY with margin-top: -7px.
        var x = isInput ? CardBorder - Diameter / 2 : WorkflowNodeModel.CardWidth - CardBorder + Diameter / 2 - Diameter;
        var y = CardBorder + CentreY - Diameter / 2;
        Position = new Point(parent.Position.X + x, parent.Position.Y + y);
        Size = new Size(Diameter, Diameter);
        Initialized = true;
    }

    public bool IsInput { get; }

    public string? PortName { get; }

    /// <summary>Position among the node's outputs (0 for the input), and how many there are: the widget spaces them vertically.</summary>
    public int Index { get; }

    public int Count { get; }

    /// <summary>The port's centre below the card's top edge in px: one output in the middle, two at one third and two thirds,
    /// and so on down the card's height.</summary>
    public double CentreY => (Parent.Size?.Height ?? WorkflowNodeModel.CardHeight) * (Index + 1) / (Count + 1);

    public string NodeId => ((WorkflowNodeModel)Parent).NodeId;

    public static string PortId(string nodeId, bool isInput, string? portName) =>
        isInput ? $"{nodeId}::in" : portName is null ? $"{nodeId}::out" : $"{nodeId}::out:{portName}";

    public override bool CanAttachTo(Blazor.Diagrams.Core.Models.Base.ILinkable other) =>
        // Only an output may meet an input; the graph rules (cycles, start) are checked when the link lands.
        base.CanAttachTo(other) && other is WorkflowPortModel port && port.IsInput != IsInput;
}
