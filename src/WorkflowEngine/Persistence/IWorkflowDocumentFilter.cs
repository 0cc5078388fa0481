using WorkflowEngine.Graphs;

namespace WorkflowEngine.Persistence;

/// <summary>
/// Sees every workflow document <see cref="WorkflowStore"/> is about to store (create and save, whatever the source: editor,
/// import, HTTP API) and may rewrite it. The studio uses this to move API keys out of llm nodes into its encrypted provider store,
/// so that no document, version or export holds a key in plain text.
/// </summary>
public interface IWorkflowDocumentFilter
{
    ValueTask<WorkflowGraph> BeforeStoreAsync(WorkflowGraph graph, CancellationToken cancellationToken);
}
