using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowStudio.Components.Pages.Editor;
using WorkflowStudio.Tests.TestNodes;

namespace WorkflowStudio.Tests.Components;

/// <summary>The shared studio bunit context plus the editor's services: the node registry and an <see cref="EditorSession"/>
/// holding the sample FAQ bot.</summary>
public abstract class EditorTestContext : StudioTestContext
{
    protected EditorTestContext()
    {
        Session = Services.GetRequiredService<EditorSession>();
        Session.Load("wf-1", SampleWorkflows.FaqBot("kb-1"), version: 1);
    }

    // Initialised before the base constructor runs ConfigureServices.
    public NodeRegistry Registry { get; } = EditorTestNodes.Registry();

    public EditorSession Session { get; }

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton(Registry);
        services.AddWorkflowEditor();
    }

    /// <summary>MudBlazor popovers (selects, tooltips) need their provider in the render tree.</summary>
    public IRenderedComponent<MudPopoverProvider> RenderPopoverProvider() => Render<MudPopoverProvider>();
}
