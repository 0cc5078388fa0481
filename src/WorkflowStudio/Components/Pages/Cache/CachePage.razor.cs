using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Components.Pages.Cache;

/// <summary>The cache's figures per workflow and node (from <see cref="CacheStatistics"/>, counted since this studio process
/// started) with "Clear cache" per workflow and per node. Workflow names and step titles come from the saved workflows
/// when there is one.</summary>
public sealed partial class CachePage
{
    private IReadOnlyList<WorkflowRow> _workflows = [];
    private bool _loading = true;

    [Inject] private CacheStatistics Statistics { get; set; } = default!;
    [Inject] private IServiceProvider Services { get; set; } = default!;

    protected override Task OnInitializedAsync() => ReloadAsync();

    private async Task ReloadAsync()
    {
        _loading = true;
        try
        {
            // The store is optional: the page still shows ids when the studio runs without persistence.
            var store = Services.GetService<WorkflowStore>();
            var rows = new List<WorkflowRow>();
            foreach (var workflowId in Statistics.Workflows)
            {
                var stored = store is null ? null : await store.GetAsync(workflowId);
                var nodes = Statistics.ForWorkflow(workflowId)
                    .Select(s => new NodeRow(s, stored?.Graph.FindNode(s.NodeId)?.Title is { Length: > 0 } title ? title : s.NodeId))
                    .ToList();
                rows.Add(new WorkflowRow(workflowId, stored?.Graph.Name ?? workflowId, Statistics.TotalFor(workflowId), nodes));
            }
            _workflows = rows.OrderBy(w => w.Name, StringComparer.CurrentCultureIgnoreCase).ToList();
        }
        finally
        {
            _loading = false;
        }
    }

    private sealed record WorkflowRow(string Id, string Name, NodeCacheStats Total, IReadOnlyList<NodeRow> Nodes);

    private sealed record NodeRow(NodeCacheStats Stats, string Title);
}
