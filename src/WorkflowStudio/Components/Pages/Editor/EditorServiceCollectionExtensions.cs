using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Components.Inspector;
using WorkflowStudio.Components.Pages.Editor;

namespace Microsoft.Extensions.DependencyInjection;

public static class EditorServiceCollectionExtensions
{
    /// <summary>The workflow editor: per-circuit <see cref="EditorSession"/> and <see cref="DiagramMapper"/>, the validator it
    /// runs on every change, and the knowledge-base list for the retrieve node's form. Needs the engine's <see cref="NodeRegistry"/>.</summary>
    public static IServiceCollection AddWorkflowEditor(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new GraphValidator(sp.GetRequiredService<NodeRegistry>(), sp));
        services.TryAddSingleton<WorkflowEngine.Execution.WorkflowCompiler>();
        services.TryAddScoped<EditorSession>();
        services.TryAddScoped<DiagramMapper>();
        services.TryAddScoped<KnowledgeBaseChoices>();
        return services;
    }
}
