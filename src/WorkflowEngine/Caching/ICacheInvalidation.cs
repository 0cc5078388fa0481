namespace WorkflowEngine.Caching;

/// <summary>Drops cached results on every instance: locally at once, and on other instances over Redis Pub/Sub when Redis is configured.</summary>
public interface ICacheInvalidation
{
    /// <summary>A knowledge base's content changed: retrieval results and answers built on it must not be served again.</summary>
    Task KnowledgeBaseChangedAsync(string knowledgeBaseId, CancellationToken cancellationToken = default);

    /// <summary>The "Clear cache" button: a whole workflow, or one node of it.</summary>
    Task ClearWorkflowAsync(string workflowId, string? nodeId = null, CancellationToken cancellationToken = default);

    /// <summary>Called on this instance whenever any instance reports a knowledge-base change (to reload in-memory indexes).
    /// Dispose the result to stop listening.</summary>
    IDisposable OnKnowledgeBaseChanged(Func<string, Task> handler);
}
