namespace WorkflowEngine.Nodes;

/// <summary>
/// Implemented by the settings records of node types that send requests to an address their settings name (an llm step's base
/// URL, an HTTP request step's method and URL). Where such a step sends is an administrator's choice: the studio refuses other
/// users' saves that add or change these, without knowing the node types that have them.
/// </summary>
public interface IOutboundAddresses
{
    /// <summary>The addresses as written in the settings (URLs or URL templates), each with what the step does there when that
    /// matters (an HTTP request's method, e.g. <c>GET https://api.example.com/orders/{{ start.query }}</c>); empty ones left out.</summary>
    IEnumerable<string> OutboundAddresses { get; }
}
