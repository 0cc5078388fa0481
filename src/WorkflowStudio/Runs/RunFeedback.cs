using WorkflowEngine.Caching;
using WorkflowEngine.Nodes.Types;

namespace WorkflowStudio.Runs;

/// <summary>Wrong-answer reports on recorded runs (the test chat's "Wrong answer" and <c>POST /api/runs/{runId}/feedback</c>):
/// finds what the run's response-cache gate did with the answer and hands it to <see cref="ResponseCache.ReportWrongAsync"/>.</summary>
public sealed class RunFeedback(ResponseCache responses)
{
    /// <summary>What the run's response-cache gate did with its answer: the gate that served it (a hit) if any, otherwise the
    /// one that stored it; null when no gate looked the question up (nothing of this answer is cached).</summary>
    public static GateAnswer? CachedAnswerOf(string workflowId, IReadOnlyList<RunTraceEntry> trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        GateAnswer? stored = null;
        foreach (var step in trace)
        {
            if (step.Status != RunTraceEntry.Succeeded || CacheNode.AnswerOf(workflowId, step.NodeId, step.Cache == "hit", step.Details) is not { } answer)
            {
                continue;
            }
            if (answer.Served)
            {
                return answer;
            }
            stored ??= answer;
        }
        return stored;
    }

    /// <summary>Reports the run's answer wrong: it is dropped from the cache on every instance and, when it was served for
    /// another question, that pair is never matched again. Null when nothing of the answer is cached (no gate looked it up).</summary>
    public async Task<WrongAnswerReport?> ReportWrongAsync(string workflowId, IReadOnlyList<RunTraceEntry> trace, CancellationToken cancellationToken = default) =>
        CachedAnswerOf(workflowId, trace) is { } answer ? await responses.ReportWrongAsync(answer, cancellationToken) : null;
}
