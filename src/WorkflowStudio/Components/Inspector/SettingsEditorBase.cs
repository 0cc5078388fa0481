using System.Text.Json;
using Microsoft.AspNetCore.Components;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowStudio.Components.Inspector;

/// <summary>Base of the per-node-type settings forms: gets the node, its effective settings and the graph, and reports each
/// change as the node's new Settings JSON.</summary>
public abstract class SettingsEditorBase : ComponentBase
{
    [Parameter, EditorRequired] public NodeDefinition Node { get; set; } = null!;

    [Parameter, EditorRequired] public NodeSettings Settings { get; set; } = null!;

    [Parameter, EditorRequired] public WorkflowGraph Graph { get; set; } = null!;

    [Parameter] public EventCallback<JsonElement> OnChange { get; set; }

    [Inject] protected NodeRegistry Registry { get; set; } = null!;

    [Inject] protected WorkflowCompiler Compiler { get; set; } = null!;

    protected IReadOnlyList<TemplateVariable> Variables => UpstreamVariables.For(Compiler.Compile(Graph), Node.Id, Registry);

    protected Task Set(string name, string? value) => OnChange.InvokeAsync(Settings.With(name, value ?? ""));

    protected Task Set(string name, bool value) => OnChange.InvokeAsync(Settings.With(name, value));

    protected Task Set(string name, double value) => OnChange.InvokeAsync(Settings.With(name, value));

    protected Task Set(string name, int value) => OnChange.InvokeAsync(Settings.With(name, value));

    /// <summary>Appends a variable to a template setting.</summary>
    protected Task Insert(string name, TemplateVariable variable)
    {
        var current = Settings.GetString(name);
        var separator = current.Length == 0 || char.IsWhiteSpace(current[^1]) ? "" : " ";
        return Set(name, current + separator + variable.Expression);
    }
}
