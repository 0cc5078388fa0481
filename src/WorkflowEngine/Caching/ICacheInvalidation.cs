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

    /// <summary>Called on this instance whenever any instance clears a workflow's cache (<see cref="ClearWorkflowAsync"/>):
    /// workflow id and node id (null: the whole workflow). For caches outside FusionCache (the semantic answer index).
    /// Dispose the result to stop listening. The default does not listen (implementations without such caches).</summary>
    IDisposable OnWorkflowCleared(Func<string, string?, Task> handler) => NoSubscription.Instance;

    /// <summary>A cached answer was reported wrong (<see cref="ResponseCache.ReportWrongAsync"/>): runs every instance's
    /// <see cref="OnAnswerRejected"/> handlers (to drop in-process copies and block the pair). The default tells no one.</summary>
    Task AnswerRejectedAsync(GateAnswer answer, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Called on this instance whenever any instance reports a cached answer wrong. Dispose the result to stop listening.</summary>
    IDisposable OnAnswerRejected(Func<GateAnswer, Task> handler) => NoSubscription.Instance;

    /// <summary>Called on this instance when it hears the other instances again after a time it could not (Redis unreachable,
    /// at startup or later, or a Sentinel failover): a knowledge-base change, cache clear or wrong-answer report may have been
    /// missed, so whatever those messages keep current must be checked again. Dispose the result to stop listening. The
    /// default never calls it (implementations that cannot miss a message).</summary>
    IDisposable OnMessagesMissed(Func<Task> handler) => NoSubscription.Instance;

    /// <summary>Something this instance wrote did not reach Redis (a deletion, a report): runs the
    /// <see cref="OnMessagesMissed"/> handlers once the others are heard, within a second if they are now. The default does
    /// nothing.</summary>
    void CatchUpWhenHeard()
    {
    }

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();

        public void Dispose()
        {
        }
    }
}
