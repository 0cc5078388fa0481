using Blazor.Diagrams.Core.Geometry;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowStudio.Components.Pages.Editor;
using WorkflowStudio.Tests.TestNodes;

namespace WorkflowStudio.Tests.Components;

/// <summary>bunit context for editor components: MudBlazor services, loose JS interop (with the diagram's bounding-box call
/// answered), interactive rendering, the node registry and an <see cref="EditorSession"/> holding the sample FAQ bot.</summary>
public class EditorTestContext : BunitContext, IAsyncLifetime
{
    public EditorTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        JSInterop.Setup<Rectangle>("ZBlazorDiagrams.getBoundingClientRect", _ => true).SetResult(new Rectangle(0, 0, 1000, 600));
        Registry = EditorTestNodes.Registry();
        Services.AddMudServices();
        Services.AddSingleton(Registry);
        Services.AddWorkflowEditor();
        Renderer.SetRendererInfo(new RendererInfo("Server", true));
        Session = Services.GetRequiredService<EditorSession>();
        Session.Load("wf-1", SampleWorkflows.FaqBot("kb-1"), version: 1);
    }

    public NodeRegistry Registry { get; }

    public EditorSession Session { get; }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor registers services that only implement IAsyncDisposable: dispose asynchronously before xunit's Dispose().
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    /// <summary>MudBlazor popovers (selects, tooltips) need their provider in the render tree.</summary>
    public IRenderedComponent<MudPopoverProvider> RenderPopoverProvider() => Render<MudPopoverProvider>();
}
