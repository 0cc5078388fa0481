using System.Globalization;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Nodes.Types;

/// <summary>
/// The response-cache gate: looks the (cleaned) question up among answers this workflow gave before. On a hit the run
/// continues on the <c>hit</c> port with the stored answer; on a miss it continues on <c>miss</c>, and once the run has
/// its final answer the gate stores it for the gate's TTL. Stored answers are scoped to the workflow's current settings
/// (every node's) and the versions of the knowledge bases its retrieve nodes use, so an edit or a knowledge-base change
/// never serves an old answer. Match mode <c>exact</c> compares the question text; <c>semantic</c> is provided by the
/// semantic cache area through <see cref="IAnswerMatcher"/>. What to look up and where is <see cref="ResponseGate"/>'s; this
/// type turns its lookups into the node's ports, outputs and trace details.
/// <para>Answers are also scoped to what the steps after the gate (<see cref="IConversationalStep"/>, the LLM step) receive:
/// the model they would ask, and the conversation's earlier turns. An answer written without history (a first turn, or
/// steps with <c>historyTurns</c> 0) is shared by every conversation (scope <c>question</c>); one written after earlier turns
/// is reused only after the same turns (scope <c>question+history</c>, always matched exactly: meaning-matching per history
/// would keep an index per conversation). A follow-up looks among the answers after its own turns first, then among the
/// shared ones. With <see cref="Config.StandaloneQuestion"/> a follow-up is instead rewritten by the
/// LLM step's model into a self-contained question and looked up as a first turn would be (scope <c>standalone</c>); with no
/// model to rewrite it, the gate lets the follow-up through without looking it up or storing its answer.</para>
/// </summary>
[NodeType("cache",
    DisplayName = "Response cache",
    Category = "Cache",
    Description = "Answers repeated questions from earlier answers. 'hit' continues to the answer, 'miss' to the steps that build one.",
    Icon = "Bolt",
    CacheKind = "answer",
    DefaultTtlSeconds = 3600,
    OutputPorts = [HitPort, MissPort],
    Outputs = ["hit", "answer", "question", "matchedQuestion", "similarity"],
    Color = "#16a34a", // green
    PaletteOrder = 60,
    SuppliesCachedAnswer = true)]
public sealed class CacheNode(ResponseCache responses, ResponseGate gate, EngineCache cache)
    : Node<CacheNode.Config, CacheNode.Input>, IRunCompletionParticipant, ISelfCachingNode
{
    public const string HitPort = "hit";
    public const string MissPort = "miss";

    /// <summary>The trace detail naming the matcher that found (or will store) the answer.</summary>
    public const string MatchModeDetail = "matchMode";
    /// <summary>The trace detail holding the <see cref="AnswerScope.ScopeHash"/> the answer was found in (or will be stored in).</summary>
    public const string EntryScopeDetail = "entryScope";
    /// <summary>The trace detail holding the question as looked up (cleaned; a follow-up's standalone form).</summary>
    public const string LookupTextDetail = "lookupText";
    /// <summary>The trace detail of a hit holding the served entry's question as it was looked up when stored.</summary>
    public const string EntryTextDetail = "entryText";

    /// <summary>The <c>cache</c> detail of a miss during Redis trouble (reported as outcome <c>error</c>).</summary>
    private const string RedisTroubleReason = "redis unreachable";
    private static readonly CacheOutcome RedisTroubleOutcome =
        new(CacheStatus.Error, Detail: "Redis is unreachable: the question was looked up in this instance only, and its answer is cached here only.");
    /// <summary>How the <c>cache</c> detail of a follow-up the gate let through starts (reported as outcome <c>bypass</c>).</summary>
    private const string SkippedPrefix = "skipped: ";

    public sealed record Config : INodeSummary
    {
        /// <summary>The question to look up (a template).</summary>
        public string Input { get; init; } = "{{ clean.text }}";
        /// <summary><c>exact</c> or <c>semantic</c>.</summary>
        public string MatchMode { get; init; } = ExactAnswerMatcher.ModeName;
        /// <summary>Semantic mode: the minimum cosine similarity (0..1) of a stored question; the semantic matcher's other
        /// checks (same top knowledge-base article, margin, negation, numbers, names, swapped words, coverage) apply on top.
        /// 0.25 (inside the range 0.20–0.25 where, on every evaluation set, the checks rather than the threshold decide) was
        /// chosen by measurement (docs/benchmarks.md, "Semantic cache"); equals <see cref="Caching.Semantic.SemanticMatchOptions.Threshold"/>.</summary>
        public double Threshold { get; init; } = 0.25;
        /// <summary>On a follow-up (the steps after the gate would receive earlier turns), ask the LLM step's model to rewrite the
        /// question into a self-contained one and look that up, so follow-ups can reuse answers across conversations. Off:
        /// a follow-up reuses only answers given after the same earlier turns.</summary>
        public bool StandaloneQuestion { get; init; }
        /// <summary>Semantic mode: how sure the calibrated decision must be before it serves a stored answer — <c>lenient</c>,
        /// <c>balanced</c> or <c>strict</c> (<see cref="MatchStrictness"/>); empty = the engine's
        /// <c>Engine:Cache:Semantic:Strictness</c> (Balanced unless configured).</summary>
        public string? Strictness { get; init; }

        /// <summary>The gate's rule for the matcher: its threshold and strictness.</summary>
        public MatchRule Rule() => new(Threshold, ParseStrictness(Strictness));

        public string Summarize(NodeSummaryContext context) =>
            string.Equals(MatchMode, ExactAnswerMatcher.ModeName, StringComparison.OrdinalIgnoreCase) ? "Same question (exact)" : "Similar questions";
    }

    public sealed record Input(string Question);

    protected override Input ResolveInput(NodeContext context, Config config) => new(TemplateRenderer.Render(config.Input, context).Trim());

    protected override IEnumerable<string> Validate(Config config)
    {
        if (TemplateRenderer.GetSyntaxError(config.Input) is { } error)
        {
            yield return error;
        }
        if (config.Threshold is < 0 or > 1)
        {
            yield return "The similarity threshold must be between 0 and 1.";
        }
        if (!string.IsNullOrEmpty(config.Strictness) && ParseStrictness(config.Strictness) is null)
        {
            yield return $"The strictness '{config.Strictness}' is not known; use lenient, balanced or strict (or leave it empty for the server's default).";
        }
        if (!string.Equals(config.MatchMode, ExactAnswerMatcher.ModeName, StringComparison.OrdinalIgnoreCase)
            && !responses.Modes.Contains(config.MatchMode, StringComparer.OrdinalIgnoreCase))
        {
            yield return $"The match mode '{config.MatchMode}' is not available; use one of: {string.Join(", ", responses.Modes)}.";
        }
    }

    protected override IEnumerable<VariableReference> References(Config config) => TemplateReferenceFinder.Find(config.Input, "input");

    protected override async ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, Input input, CancellationToken cancellationToken)
    {
        var settings = context.Node.Cache;
        if (!settings.Enabled || input.Question.Length == 0)
        {
            return Miss(input, settings.Enabled ? "empty question" : "caching is off for this step", null, CacheOutcome.Miss);
        }
        var lookup = await gate.LookUpAsync(context, new GateSettings(config.MatchMode, config.Rule(), config.StandaloneQuestion), input.Question, cancellationToken)
            .ConfigureAwait(false);
        // This result's own copy of the lookup's details, added to below.
        var details = new Dictionary<string, string>(lookup.Details);
        if (lookup.SkipReason is { } skipped)
        {
            return Miss(input, SkippedPrefix + skipped, details, new CacheOutcome(CacheStatus.Bypass, Detail: skipped));
        }
        var found = lookup.Found!;
        if (found.Match is not { } match)
        {
            // Where the run's answer will be stored, so that a report of it as wrong can drop it (AnswerOf).
            details[MatchModeDetail] = lookup.MatchMode!;
            details[EntryScopeDetail] = found.Scope.ScopeHash;
            details[LookupTextDetail] = lookup.Question;
            // Checked after the lookup: a lookup that found Redis gone (or its circuit breaker open) is cache trouble, not a
            // plain miss; the run goes on along 'miss' and the answer is kept in this instance's L1 only.
            var redisTrouble = cache.HasL2 && !cache.IsL2Usable;
            return Miss(input with { Question = lookup.Question }, redisTrouble ? RedisTroubleReason : null, details,
                redisTrouble ? RedisTroubleOutcome : CacheOutcome.Miss);
        }
        details["cache"] = "hit";
        details[MatchModeDetail] = lookup.MatchMode!;
        details["matchedQuestion"] = match.Question;
        details["similarity"] = match.Similarity.ToString("0.###", CultureInfo.InvariantCulture);
        details[EntryScopeDetail] = found.Scope.ScopeHash;
        details[LookupTextDetail] = lookup.Question;
        details[EntryTextDetail] = match.StoredText ?? match.Question;
        return new NodeResult(NodeOutputs.Write((match, lookup.Question), static (w, hit) =>
        {
            w.Boolean("hit", true);
            w.String("answer", hit.match.Answer);
            w.String("question", hit.Question);
            w.String("matchedQuestion", hit.match.Question);
            w.Number("similarity", hit.match.Similarity);
        }))
        {
            ActivePort = HitPort,
            BypassReason = "answered from cache",
            OwnCacheOutcome = new CacheOutcome(CacheStatus.Hit, match.Level, match.Saved),
            Details = WithMatchDetails(details, match),
        };
    }

    /// <summary>The strictness a gate's setting names (any case), or null when empty or unknown.</summary>
    public static MatchStrictness? ParseStrictness(string? value) =>
        Enum.TryParse<MatchStrictness>(value, ignoreCase: true, out var strictness) && Enum.IsDefined(strictness) && !int.TryParse(value, out _) ? strictness : null;

    /// <summary>What the gate of a recorded run did with the run's answer, from its trace: served a stored answer (a hit), or
    /// stored the run's own (a miss whose lookup ran); null when neither (no lookup, caching off, a follow-up let through).</summary>
    /// <param name="hit">The gate's outcome was a hit.</param>
    public static GateAnswer? AnswerOf(string workflowId, string nodeId, bool hit, IReadOnlyDictionary<string, string>? details)
    {
        if (details is null || !details.TryGetValue(MatchModeDetail, out var mode) || !details.TryGetValue(EntryScopeDetail, out var scopeHash)
            || !details.TryGetValue(LookupTextDetail, out var question))
        {
            return null;
        }
        var stored = hit && details.TryGetValue(EntryTextDetail, out var entry) ? entry : question;
        return new GateAnswer(workflowId, nodeId, mode, scopeHash, question, stored, hit);
    }

    /// <summary>Stores the run's final answer when this gate missed (and nothing failed: the runner calls this only for
    /// runs that reached their answer).</summary>
    public async ValueTask OnRunCompletedAsync(NodeContext context, NodeResult ownResult, string answer, CancellationToken cancellationToken)
    {
        if (ownResult.ActivePort == MissPort)
        {
            await gate.StoreAsync(context.Run, answer, cancellationToken).ConfigureAwait(false);
        }
    }

    public CacheOutcome DescribeOutcome(NodeResult result, bool cacheEnabled) =>
        cacheEnabled ? result.OwnCacheOutcome ?? CacheOutcome.Miss : CacheOutcome.Bypass;

    /// <summary>Adds the matcher's explanation (semantic mode: each check and its outcome) for the trace and tooltip.</summary>
    private static Dictionary<string, string> WithMatchDetails(Dictionary<string, string> details, AnswerMatch match)
    {
        if (match.Details is null)
        {
            return details;
        }
        foreach (var (key, value) in match.Details)
        {
            details.TryAdd(key, value);
        }
        return details;
    }

    /// <param name="details">The lookup's details, this result's own copy (added to here), or null.</param>
    private static NodeResult Miss(Input input, string? reason, Dictionary<string, string>? details, CacheOutcome outcome)
    {
        if (reason is not null)
        {
            (details ??= [])["cache"] = reason;
        }
        return new(NodeOutputs.Write(input.Question, static (w, question) =>
        {
            w.Boolean("hit", false);
            w.String("answer", "");
            w.String("question", question);
        }))
        {
            ActivePort = MissPort,
            Details = details,
            OwnCacheOutcome = outcome,
        };
    }

}
