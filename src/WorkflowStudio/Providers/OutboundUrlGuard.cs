using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Providers;

/// <summary>
/// Only administrators choose where the studio sends requests: the addresses a step's settings name (<see cref="IOutboundAddresses"/>:
/// an llm step's own base URL, an HTTP request step's method and URL) may be set or changed by an Admin only, as model providers are. Checked
/// on the server when the studio saves or imports a workflow; the inspector shows those fields read-only to everyone else. The HTTP
/// API's workflow routes need the admin key, which counts as an administrator. Editors may still save workflows that keep the
/// addresses an administrator set on a step, and may remove them.
/// </summary>
public sealed class OutboundUrlGuard(StudioAccess access, WorkflowStore store, NodeRegistry registry)
{
    public const string RefusedMessage =
        "Only an administrator can set or change where a step sends requests (an LLM step's base URL, an HTTP request's method and URL). Pick a model provider for an LLM step instead, or ask an administrator.";

    /// <summary>Null when the user may store <paramref name="graph"/> as workflow <paramref name="workflowId"/> (null: a new one);
    /// otherwise the reason, when a step holds an address the same step of the stored workflow does not.</summary>
    public async Task<string?> CheckAsync(string? workflowId, WorkflowGraph graph, CancellationToken cancellationToken = default)
    {
        var wanted = AddressesByNode(graph, registry);
        if (wanted.Count == 0 || await access.CanAsync(StudioPermission.Administer))
        {
            return null;
        }
        var stored = workflowId is null ? null : await store.GetAsync(workflowId, cancellationToken);
        var allowed = stored is null ? [] : AddressesByNode(stored.Graph, registry);
        return wanted.All(w => allowed.TryGetValue(w.Key, out var kept) && w.Value.IsSubsetOf(kept)) ? null : RefusedMessage;
    }

    /// <summary>The non-empty outbound addresses of each step that has any, by (node id, type), as the engine reads the settings.
    /// Compared exactly (apart from a trailing slash): an address template is the administrator's text.</summary>
    public static Dictionary<(string NodeId, string Type), HashSet<string>> AddressesByNode(WorkflowGraph graph, NodeRegistry registry) =>
        graph.Nodes
            .Select(n => (Key: (n.Id, n.Type), Addresses: registry.Find(n.Type)?.ReadConfig(n) is IOutboundAddresses outbound
                ? outbound.OutboundAddresses.Select(a => a.Trim().TrimEnd('/')).Where(a => a.Length > 0)
                : []))
            // A duplicate node id is a validation problem of its own; here both steps' addresses count.
            .GroupBy(x => x.Key)
            .Select(g => (g.Key, Addresses: g.SelectMany(x => x.Addresses).ToHashSet(StringComparer.Ordinal)))
            .Where(x => x.Addresses.Count > 0)
            .ToDictionary(x => x.Key, x => x.Addresses);
}
