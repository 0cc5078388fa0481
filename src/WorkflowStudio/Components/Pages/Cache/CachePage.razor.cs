using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Nodes;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Components.Pages.Cache;

/// <summary>The cache's figures per workflow and node (from <see cref="CacheStatistics"/>, counted since this studio process
/// started) with "Clear cache" per workflow and per node. Workflow names and step titles come from the saved workflows
/// when there is one. Above them, the wrong-answer reports (<see cref="AnswerRejections"/>: every instance's, kept in Redis).</summary>
public sealed partial class CachePage
{
    private IReadOnlyList<WorkflowRow> _workflows = [];
    private bool _loading = true;
    private WrongAnswerSummary _reports = WrongAnswerSummary.None;
    private Dictionary<string, string> _names = new(StringComparer.Ordinal);

    /// <summary>How many of the latest reports the page lists.</summary>
    private const int RecentShown = 5;

    [Inject] private CacheStatistics Statistics { get; set; } = default!;
    [Inject] private IServiceProvider Services { get; set; } = default!;
    [Inject] private AnswerRejections Rejections { get; set; } = default!;

    protected override Task OnInitializedAsync() => ReloadAsync();

    private async Task ReloadAsync()
    {
        _loading = true;
        try
        {
            // The store is optional: the page still shows ids when the studio runs without persistence.
            var store = Services.GetService<WorkflowStore>();
            var registry = Services.GetService<NodeRegistry>();
            var rows = new List<WorkflowRow>();
            foreach (var workflowId in Statistics.Workflows)
            {
                var stored = store is null ? null : await store.GetAsync(workflowId);
                // In the workflow's own order (start first), and "Clear" only where the step keeps something.
                var order = stored?.Graph.Nodes.Select((n, i) => (n.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal) ?? [];
                var nodes = Statistics.ForWorkflow(workflowId)
                    .Select(s =>
                    {
                        var node = stored?.Graph.FindNode(s.NodeId);
                        return new NodeRow(s, node?.Title is { Length: > 0 } title ? title : s.NodeId,
                            node is null || node.Cache.Enabled || registry?.Find(node.Type)?.KeepsOwnCache == true);
                    })
                    .OrderBy(r => order.TryGetValue(r.Stats.NodeId, out var i) ? i : int.MaxValue)
                    .ThenBy(r => r.Stats.NodeId, StringComparer.Ordinal)
                    .ToList();
                rows.Add(new WorkflowRow(workflowId, stored?.Graph.Name ?? workflowId, Statistics.TotalFor(workflowId), nodes));
            }
            _workflows = rows.OrderBy(w => w.Name, StringComparer.CurrentCultureIgnoreCase).ToList();
            _reports = await Rejections.SummaryAsync();
            var names = rows.ToDictionary(w => w.Id, w => w.Name, StringComparer.Ordinal);
            foreach (var workflowId in _reports.Recent.Select(r => r.WorkflowId).Distinct(StringComparer.Ordinal).Where(id => !names.ContainsKey(id)))
            {
                names[workflowId] = (store is null ? null : await store.GetAsync(workflowId))?.Graph.Name ?? workflowId;
            }
            _names = names;
        }
        finally
        {
            _loading = false;
        }
    }

    private string WorkflowName(string workflowId) => _names.GetValueOrDefault(workflowId, workflowId);

    private sealed record WorkflowRow(string Id, string Name, NodeCacheStats Total, IReadOnlyList<NodeRow> Nodes);

    /// <param name="Caches">The step keeps results (its cache is on, or it is a response cache): there is something to clear.</param>
    private sealed record NodeRow(NodeCacheStats Stats, string Title, bool Caches);
}
