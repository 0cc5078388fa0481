using System.Text.Json;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Providers;

/// <summary>
/// Only administrators choose where the studio sends model calls: an llm step's own base URL (a keyless endpoint) may be set or
/// changed by an Admin only, as model providers are. Checked on the server when the studio saves or imports a workflow; the
/// inspector shows the field read-only to everyone else. The HTTP API's workflow routes need the admin key, which counts as an
/// administrator. Editors may still save workflows that keep the base URLs an administrator set, and may remove them.
/// </summary>
public sealed class LlmBaseUrlGuard(StudioAccess access, WorkflowStore store)
{
    public const string RefusedMessage =
        "Only an administrator can set or change an LLM step's base URL. Pick a model provider for the step instead, or ask an administrator.";

    /// <summary>Null when the user may store <paramref name="graph"/> as workflow <paramref name="workflowId"/> (null: a new one);
    /// otherwise the reason, when it holds an llm base URL the stored workflow does not.</summary>
    public async Task<string?> CheckAsync(string? workflowId, WorkflowGraph graph, CancellationToken cancellationToken = default)
    {
        var wanted = BaseUrls(graph);
        if (wanted.Count == 0 || await access.CanAsync(StudioPermission.Administer))
        {
            return null;
        }
        var stored = workflowId is null ? null : await store.GetAsync(workflowId, cancellationToken);
        var allowed = stored is null ? [] : BaseUrls(stored.Graph);
        return wanted.IsSubsetOf(allowed) ? null : RefusedMessage;
    }

    /// <summary>The non-empty base URLs of the graph's llm steps (setting names in any casing, as the engine reads them).</summary>
    public static HashSet<string> BaseUrls(WorkflowGraph graph) =>
        graph.Nodes
            .Where(n => n.Type == NodeRegistry.KeyOf<LlmNode>() && n.Settings.ValueKind == JsonValueKind.Object)
            .SelectMany(n => n.Settings.EnumerateObject())
            .Where(p => string.Equals(p.Name, "baseUrl", StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.String)
            .Select(p => p.Value.GetString()!.Trim().TrimEnd('/'))
            .Where(url => url.Length > 0)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
}
