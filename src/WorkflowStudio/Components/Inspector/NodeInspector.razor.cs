using System.Text.Json;
using Microsoft.AspNetCore.Components;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowStudio.Components.Pages.Editor;

namespace WorkflowStudio.Components.Inspector;

/// <summary>The selected node's settings (one form per node type) and its cache settings. Every change is one undoable
/// edit of the session's graph; the canvas updates from the same change.</summary>
public sealed partial class NodeInspector : IDisposable
{
    [Inject] private EditorSession Session { get; set; } = null!;

    protected override void OnInitialized()
    {
        Session.Changed += OnSessionChanged;
        Session.SelectionChanged += OnSessionChanged;
    }

    private void OnSessionChanged() => _ = InvokeAsync(StateHasChanged);

    private Dictionary<string, object?> EditorParameters(NodeDefinition node, NodeDescriptor? descriptor) => new()
    {
        [nameof(SettingsEditorBase.Node)] = node,
        [nameof(SettingsEditorBase.Settings)] = NodeSettings.For(node, descriptor),
        [nameof(SettingsEditorBase.Graph)] = Session.Graph,
        [nameof(SettingsEditorBase.OnChange)] = EventCallback.Factory.Create<JsonElement>(this, settings => SetSettings(node.Id, settings)),
    };

    private void SetSettings(string nodeId, JsonElement settings) => Session.UpdateNode(nodeId, n => n with { Settings = settings });

    private void SetCache(string nodeId, NodeCacheSettings cache) => Session.UpdateNode(nodeId, n => n with { Cache = cache });

    // Shown under the name while it is blank (the node keeps its last name until a new one is typed).
    private string? _titleError;
    private string? _titleErrorNodeId;

    private string? TitleError(string nodeId) => _titleErrorNodeId == nodeId ? _titleError : null;

    private void SetTitle(string nodeId, string? title)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            _titleErrorNodeId = nodeId;
            _titleError = $"A step needs a name; it keeps \"{Session.Graph.FindNode(nodeId)?.Title}\" until you type one.";
            return;
        }
        _titleError = null;
        _titleErrorNodeId = null;
        Session.UpdateNode(nodeId, n => n with { Title = title.Trim() });
    }

    public void Dispose()
    {
        Session.Changed -= OnSessionChanged;
        Session.SelectionChanged -= OnSessionChanged;
    }
}
