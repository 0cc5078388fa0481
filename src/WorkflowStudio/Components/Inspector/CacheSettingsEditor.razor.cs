using Microsoft.AspNetCore.Components;
using WorkflowEngine.Graphs;

namespace WorkflowStudio.Components.Inspector;

/// <summary>The "Cache results" checkbox and TTL of any node. An invalid TTL is shown with a message and not applied.</summary>
public partial class CacheSettingsEditor
{
    private TtlInput _ttl;
    private string? _error;
    private NodeCacheSettings? _shown;

    [Parameter, EditorRequired] public NodeDefinition Node { get; set; } = null!;

    [Parameter] public EventCallback<NodeCacheSettings> OnChange { get; set; }

    /// <summary>The saved workflow the node belongs to; with it (and a cache to clear) the tab offers "Clear this step's cache".</summary>
    [Parameter] public string? WorkflowId { get; set; }

    [Inject] private IServiceProvider Services { get; set; } = null!;

    private bool CanClear => WorkflowId is not null && Services.GetService(typeof(WorkflowEngine.Caching.ICacheInvalidation)) is not null;

    protected override void OnParametersSet()
    {
        // Keep what the user typed (even if invalid) until the node's cache settings change underneath (undo, another node).
        if (_shown != Node.Cache)
        {
            _shown = Node.Cache;
            if (_ttl.Seconds != Node.Cache.TtlSeconds)
            {
                _ttl = TtlInput.FromSeconds(Node.Cache.TtlSeconds);
            }
            _error = null;
        }
    }

    private Task SetEnabled(bool enabled) => OnChange.InvokeAsync(Node.Cache with { Enabled = enabled });

    private Task SetAmount(int amount) => Apply(_ttl with { Amount = amount });

    private Task SetUnit(TtlUnit unit) => Apply(_ttl with { Unit = unit });

    private Task SetPreset(int seconds) => Apply(TtlInput.FromSeconds(seconds));

    private Task Apply(TtlInput ttl)
    {
        _ttl = ttl;
        _error = ttl.Problem();
        return _error is null ? OnChange.InvokeAsync(Node.Cache with { TtlSeconds = (int)ttl.Seconds }) : Task.CompletedTask;
    }
}
