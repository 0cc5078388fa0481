using WorkflowEngine.Nodes;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Components.Chat;

/// <summary>One bubble in the test chat: the user's question, or the bot's answer as it streams and after the run ended.</summary>
public sealed class ChatEntry
{
    public const string User = "user";
    public const string Bot = "bot";

    public ChatEntry(string role, string text = "")
    {
        Role = role;
        Text = text;
    }

    public string Id { get; } = Guid.NewGuid().ToString("n");

    public string Role { get; }

    public bool IsUser => Role == User;

    /// <summary>The question (user) or the answer so far (bot).</summary>
    public string Text { get; set; }

    /// <summary>The question this answer is for (to retry it).</summary>
    public string Query { get; init; } = "";

    public string? RunId { get; set; }

    /// <summary>Tokens are still arriving.</summary>
    public bool Streaming { get; set; }

    /// <summary>A plain-language error (no stack trace); the user can retry.</summary>
    public string? Error { get; set; }

    public bool Stopped { get; set; }

    /// <summary>Answered by the offline responder (no language model configured).</summary>
    public bool Offline { get; set; }

    /// <summary>The finished run with its per-node trace.</summary>
    public CompletedRun? Run { get; set; }

    /// <summary>On a cache-gate hit: the stored question that matched, and how similar it was.</summary>
    public string? MatchedQuestion { get; set; }

    public string? Similarity { get; set; }

    /// <summary>Fills in what the finished run tells about this answer.</summary>
    public void Complete(CompletedRun run)
    {
        Run = run;
        Streaming = false;
        switch (run.Status)
        {
            case "succeeded":
                Text = run.Answer ?? Text;
                break;
            case "cancelled":
                Stopped = true;
                break;
            default:
                Error = string.IsNullOrWhiteSpace(run.Error) ? "The run failed. Try again, or check the workflow's settings." : run.Error;
                break;
        }
        // The model-calling steps say which provider answered; the offline responder names itself.
        Offline = run.Trace.Any(t => t.Status == RunTraceEntry.Succeeded
            && t.Details is { } d && d.TryGetValue("provider", out var p) && p.StartsWith("offline", StringComparison.OrdinalIgnoreCase));
        if (run.Trace.FirstOrDefault(t => t.Cache == "hit" && t.Details?.ContainsKey("matchedQuestion") == true) is { Details: { } details })
        {
            MatchedQuestion = details.GetValueOrDefault("matchedQuestion");
            Similarity = details.GetValueOrDefault("similarity");
        }
    }
}

/// <summary>The strip above the chat: how this conversation's runs used the cache.</summary>
public sealed record ConversationSummary(int Runs, int CacheHits, int NodesRun, int LlmCallsAvoided, double SavedMs)
{
    public static ConversationSummary Of(IEnumerable<CompletedRun> runs, NodeRegistry registry)
    {
        var list = runs.ToList();
        var ran = list.SelectMany(r => r.Trace).Where(t => t.Status == RunTraceEntry.Succeeded).ToList();
        // A model call is avoided when a model-calling step was served from cache or bypassed after a cache-gate hit.
        var avoided = list.Sum(r => r.Trace.Count(t => (t.IsCacheHit || t.Status == RunTraceEntry.Skipped)
            && registry.Find(t.Type)?.Metadata.CallsModel == true));
        return new ConversationSummary(list.Count, ran.Count(t => t.IsCacheHit), ran.Count, avoided, list.Sum(r => r.SavedMs));
    }

    public double HitRatio => NodesRun == 0 ? 0 : (double)CacheHits / NodesRun;
}
