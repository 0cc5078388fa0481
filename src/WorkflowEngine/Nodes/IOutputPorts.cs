namespace WorkflowEngine.Nodes;

/// <summary>
/// Implemented by the settings records of node types whose output ports follow their settings (the classify step: one port per
/// class and its fallback). Nothing reads this directly: the validator, the runner and the canvas ask
/// <see cref="NodeDescriptor.OutputPortsOf(NodeDefinition)"/>, which uses it and otherwise the static
/// <see cref="NodeTypeAttribute.OutputPorts"/>.
/// </summary>
public interface IOutputPorts
{
    /// <summary>The port names in the order the card shows them, as the settings give them. Blank and repeated names may
    /// appear while the user edits (the node type's own validation reports them); the descriptor leaves them out.</summary>
    IEnumerable<string> OutputPorts { get; }
}
