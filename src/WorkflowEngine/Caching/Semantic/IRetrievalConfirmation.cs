using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Caching.Semantic;

/// <summary>
/// A second, independent opinion on which knowledge-base article a question is about: a different embedding model ranks the
/// chunks the knowledge search already returned. When both models put the same article first, the article is far more
/// likely right than when one model does (docs/benchmarks.md, "Semantic cache"), which lets <see cref="SemanticMatcher"/>
/// relax its margin check (<see cref="SemanticMatchOptions.ConfirmedRetrievalWaivesMargin"/>).
/// </summary>
public interface IRetrievalConfirmation
{
    /// <summary>The chunk among <paramref name="hits"/> that the second model ranks closest to <paramref name="question"/>;
    /// null when there are no hits or the model is unavailable.</summary>
    ValueTask<KnowledgeChunk?> TopChunkAsync(string question, IReadOnlyList<ScoredChunk> hits, CancellationToken cancellationToken);

    /// <summary>Starts loading the model in the background, so that the first lookup that needs it does not wait (idempotent).</summary>
    Task WarmUpAsync() => Task.CompletedTask;
}
