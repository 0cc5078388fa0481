using System.Globalization;
using System.Runtime.CompilerServices;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Llm;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Nodes.Types;

/// <summary>
/// The response-cache gate: looks the (cleaned) question up among answers this workflow gave before. On a hit the run
/// continues on the <c>hit</c> port with the stored answer; on a miss it continues on <c>miss</c>, and once the run has
/// its final answer the gate stores it for the gate's TTL. Stored answers are scoped to the workflow's current settings
/// (every node's) and the versions of the knowledge bases its retrieve nodes use, so an edit or a knowledge-base change
/// never serves an old answer. Match mode <c>exact</c> compares the question text; <c>semantic</c> is provided by the
/// semantic cache area through <see cref="IAnswerMatcher"/>.
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
public sealed class CacheNode(ResponseCache responses, IKnowledgeSearch knowledge, EngineCache cache, NodeFactory nodes, StandaloneQuestionWriter standalone)
    : Node<CacheNode.Config, CacheNode.Input>, IRunCompletionParticipant, ISelfCachingNode
{
    public const string HitPort = "hit";
    public const string MissPort = "miss";

    /// <summary>The <c>scope</c> detail: answers written without history, shared by every conversation.</summary>
    public const string QuestionScope = "question";
    /// <summary>The <c>scope</c> detail: answers written after earlier turns, reused only after the same turns.</summary>
    public const string HistoryScope = "question+history";
    /// <summary>The <c>scope</c> detail: a follow-up looked up as the standalone question the model rewrote it into.</summary>
    public const string StandaloneScope = "standalone";

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
    /// <summary>How the <c>cache</c> detail of a follow-up the gate let through starts (reported as outcome <c>bypass</c>).</summary>
    private const string SkippedPrefix = "skipped: ";

    /// <summary>How a rewritten question is normalised before lookup: the clean node's default steps, as the gate's input usually is.</summary>
    private static readonly CleanNode.Config RewriteCleaning = new();

    private readonly ConditionalWeakTable<WorkflowGraph, GraphScope> _graphScopes = new();

    private readonly ConditionalWeakTable<RunContext, PendingAnswer> _pending = new();

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
            return Miss(input, settings.Enabled ? "empty question" : "caching is off for this step", null);
        }
        var started = context.Run.Time.GetTimestamp();
        var steps = StepsAfter(context);
        var lookup = await LookupFor(context, config, input, steps, cancellationToken).ConfigureAwait(false);
        if (lookup.SkipReason is { } skipped)
        {
            return Miss(input, SkippedPrefix + skipped, lookup.Details);
        }
        var scope = await ScopeAsync(context, steps, lookup.HistoryHash, cancellationToken).ConfigureAwait(false);
        var matcher = lookup.Matcher;
        var found = await matcher.FindAsync(scope, lookup.Question, lookup.AsTyped, config.Rule(), cancellationToken).ConfigureAwait(false);
        var stored = found;
        if (found.Match is null && lookup.HistoryHash is not null)
        {
            // A follow-up may still reuse an answer written without history (nothing of another conversation is in it); its
            // own answer, written after these turns, is stored for these turns only.
            var shared = await ScopeAsync(context, steps, null, cancellationToken).ConfigureAwait(false);
            var sharedMatcher = responses.For(config.MatchMode);
            if (await sharedMatcher.FindAsync(shared, lookup.Question, lookup.AsTyped, config.Rule(), cancellationToken).ConfigureAwait(false) is { Match: not null } sharedFound)
            {
                (found, matcher, scope) = (sharedFound, sharedMatcher, shared);
                lookup.Details["scope"] = QuestionScope;
            }
        }
        if (found.Match is not { } match)
        {
            _pending.AddOrUpdate(context.Run, new PendingAnswer(lookup.Matcher, stored, started));
            // Where the run's answer will be stored, so that a report of it as wrong can drop it (AnswerOf).
            lookup.Details[MatchModeDetail] = lookup.Matcher.Mode;
            lookup.Details[EntryScopeDetail] = stored.Scope.ScopeHash;
            lookup.Details[LookupTextDetail] = lookup.Question;
            // Checked after the lookup: a lookup that found Redis gone (or its circuit breaker open) is cache trouble, not a
            // plain miss; the run goes on along 'miss' and the answer is kept in this instance's L1 only.
            return Miss(input with { Question = lookup.Question }, cache.HasL2 && !cache.IsL2Usable ? RedisTroubleReason : null, lookup.Details);
        }
        var similarity = match.Similarity.ToString("0.###", CultureInfo.InvariantCulture);
        var details = new Dictionary<string, string>(lookup.Details)
        {
            ["cache"] = "hit",
            ["level"] = match.Level.ToString(),
            ["savedMs"] = match.Saved.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture),
            [MatchModeDetail] = matcher.Mode,
            ["matchedQuestion"] = match.Question,
            ["similarity"] = similarity,
            [EntryScopeDetail] = scope.ScopeHash,
            [LookupTextDetail] = lookup.Question,
            [EntryTextDetail] = match.StoredText ?? match.Question,
        };
        return new NodeResult(NodeOutputs.From(new
        {
            hit = true,
            answer = match.Answer,
            question = lookup.Question,
            matchedQuestion = match.Question,
            similarity = match.Similarity,
        }))
        {
            ActivePort = HitPort,
            BypassReason = "answered from cache",
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

    /// <summary>What to look up and how, given what the steps after the gate receive from the conversation: the question
    /// itself (no history), the question within its history (exact matching), the follow-up rewritten as a standalone
    /// question, or nothing (a follow-up that cannot be rewritten).</summary>
    private async ValueTask<Lookup> LookupFor(NodeContext context, Config config, Input input, ConversationalInput[] steps, CancellationToken cancellationToken)
    {
        var matcher = responses.For(config.MatchMode);
        IReadOnlyList<ChatTurn>? history = null;
        foreach (var step in steps)
        {
            if (step.History.Count > (history?.Count ?? 0))
            {
                history = step.History;
            }
        }
        if (history is null)
        {
            return new Lookup(matcher, input.Question, AsTyped(context.Request.Query, input.Question), null,
                new Dictionary<string, string> { ["scope"] = QuestionScope });
        }
        if (!config.StandaloneQuestion)
        {
            var historyHash = CanonicalJson.Hash(steps.Select(s => s.History));
            return new Lookup(responses.For(ExactAnswerMatcher.ModeName), input.Question, AsTyped(context.Request.Query, input.Question), historyHash,
                new Dictionary<string, string> { ["scope"] = HistoryScope });
        }
        var standaloneDetails = new Dictionary<string, string> { ["scope"] = StandaloneScope };
        if (steps.Select(s => s.Endpoint).FirstOrDefault(e => e is { IsOffline: false }) is not { } model)
        {
            return Lookup.Skip(matcher, "a follow-up, and no model is configured to rewrite it as a standalone question", standaloneDetails);
        }
        string rewritten;
        try
        {
            // The model reads the question as typed when the gate looks up that same question (names keep their capitals).
            var followUp = AsTyped(context.Request.Query, input.Question) ?? input.Question;
            rewritten = await standalone.RewriteAsync(model, history, followUp, cancellationToken).ConfigureAwait(false);
        }
        catch (LlmException ex)
        {
            return Lookup.Skip(matcher, "the model could not rewrite the follow-up as a standalone question: " + ex.Message, standaloneDetails);
        }
        var question = CleanNode.Normalize(rewritten, RewriteCleaning);
        if (question.Length == 0)
        {
            return Lookup.Skip(matcher, "the model gave no standalone question for the follow-up", standaloneDetails);
        }
        standaloneDetails["standaloneQuestion"] = rewritten;
        return new Lookup(matcher, question, AsTyped(rewritten, question), null, standaloneDetails);
    }

    /// <summary>Stores the run's final answer when this gate missed (and nothing failed: the runner calls this only for
    /// runs that reached their answer).</summary>
    public async ValueTask OnRunCompletedAsync(NodeContext context, NodeResult ownResult, string answer, CancellationToken cancellationToken)
    {
        if (ownResult.ActivePort != MissPort || string.IsNullOrWhiteSpace(answer) || !_pending.TryGetValue(context.Run, out var pending))
        {
            return;
        }
        _pending.Remove(context.Run);
        var missTime = context.Run.Time.GetElapsedTime(pending.Started);
        await pending.Matcher.StoreAsync(pending.Lookup, answer, missTime, cancellationToken).ConfigureAwait(false);
    }

    public CacheOutcome DescribeOutcome(NodeResult result, bool cacheEnabled)
    {
        if (!cacheEnabled)
        {
            return CacheOutcome.Bypass;
        }
        if (result.ActivePort != HitPort || result.Details is null)
        {
            var reason = result.Details is { } details && details.TryGetValue("cache", out var r) ? r : null;
            return reason switch
            {
                RedisTroubleReason => new CacheOutcome(CacheStatus.Error, Detail: "Redis is unreachable: the question was looked up in this instance only, and its answer is cached here only."),
                not null when reason.StartsWith(SkippedPrefix, StringComparison.Ordinal) => new CacheOutcome(CacheStatus.Bypass, Detail: reason[SkippedPrefix.Length..]),
                _ => CacheOutcome.Miss,
            };
        }
        var level = result.Details.TryGetValue("level", out var l) && Enum.TryParse<CacheLevel>(l, out var parsed) ? parsed : (CacheLevel?)null;
        var saved = result.Details.TryGetValue("savedMs", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? TimeSpan.FromMilliseconds(value)
            : (TimeSpan?)null;
        return new CacheOutcome(CacheStatus.Hit, level, saved);
    }

    /// <summary>What the conversational steps after this gate's <c>miss</c> port would receive in this run.</summary>
    private ConversationalInput[] StepsAfter(NodeContext context)
    {
        var graph = _graphScopes.GetValue(context.Graph, DescribeGraph);
        var steps = graph.StepsAfter.GetOrAdd(context.Node.Id, static (gateId, state) =>
        {
            var after = state.Plan.Descendants(gateId, MissPort);
            var found = new List<(NodeDefinition, IConversationalStep)>();
            foreach (var node in state.Plan.Nodes)
            {
                if (after.Contains(node.Id) && state.Nodes.Find(node.Type)?.Node is IConversationalStep step)
                {
                    found.Add((node, step));
                }
            }
            return [.. found];
        }, (context.Run.Plan, Nodes: nodes));
        if (steps.Length == 0)
        {
            return [];
        }
        var inputs = new ConversationalInput[steps.Length];
        for (var i = 0; i < steps.Length; i++)
        {
            inputs[i] = steps[i].Step.DescribeConversationalInput(new NodeContext(context.Run, steps[i].Definition));
        }
        return inputs;
    }

    /// <summary>Where this gate's answers live: its workflow, node, TTL and a hash of every node's type and settings, the
    /// versions of the knowledge bases the workflow reads, the models the steps after the gate would ask and, for answers
    /// written after earlier turns, a hash of those turns.</summary>
    private async ValueTask<AnswerScope> ScopeAsync(NodeContext context, ConversationalInput[] steps, string? historyHash, CancellationToken cancellationToken)
    {
        var graph = _graphScopes.GetValue(context.Graph, DescribeGraph);
        var versions = graph.KnowledgeBaseIds.Length == 0 ? [] : new long?[graph.KnowledgeBaseIds.Length];
        for (var i = 0; i < versions.Length; i++)
        {
            versions[i] = await knowledge.GetVersionAsync(graph.KnowledgeBaseIds[i], cancellationToken).ConfigureAwait(false);
        }
        // The model is resolved on every run: the configured default and the studio's providers change without the node's settings.
        var models = steps.Length switch
        {
            0 => "",
            1 => Describe(steps[0].Endpoint),
            _ => string.Join("\n", steps.Select(s => Describe(s.Endpoint))),
        };
        var ttl = cache.Options.TtlFor("answer", context.Node.Cache.TtlSeconds);
        // The scope changes only when a knowledge base's version or a model does: reuse the last one built for this gate
        // (hashing it and building its tags on every run was a measurable part of a cached run, bench/ApiLoad).
        if (!graph.LastScopes.TryGetValue(context.Node.Id, out var last) || last.Scope.WorkflowId != context.Run.WorkflowId
            || last.Scope.Ttl != ttl || !last.Versions.AsSpan().SequenceEqual(versions) || last.Models != models)
        {
            var knowledgeBases = new SortedDictionary<string, long?>(StringComparer.Ordinal);
            for (var i = 0; i < versions.Length; i++)
            {
                knowledgeBases[graph.KnowledgeBaseIds[i]] = versions[i];
            }
            var scopeHash = CanonicalJson.Hash(new { graph = graph.Hash, knowledgeBases, models });
            var tags = new List<string>(2 + graph.KnowledgeBaseIds.Length)
            {
                NodeCacheKey.WorkflowTag(context.Run.WorkflowId),
                NodeCacheKey.NodeTag(context.Run.WorkflowId, context.Node.Id),
            };
            tags.AddRange(graph.KnowledgeBaseIds.Select(NodeCacheKey.KnowledgeBaseTag));
            last = new BuiltScope(versions, models, new AnswerScope(context.Run.WorkflowId, context.Node.Id, scopeHash, ttl, tags));
            graph.LastScopes[context.Node.Id] = last;
        }
        return historyHash is null
            ? last.Scope
            : last.Scope with { ScopeHash = CanonicalJson.Hash(new { scope = last.Scope.ScopeHash, history = historyHash }) };

        static string Describe(LlmEndpoint? endpoint) => endpoint?.Description ?? "unresolved";
    }

    /// <summary>The part of a gate's scope that depends on the graph alone: a hash of every node's type and settings and of
    /// the edges, and the knowledge bases its nodes read (sorted). Worked out once per graph instance (graphs are immutable):
    /// hashing the whole graph, long prompt included, on every run was the largest single cost of a cached run
    /// (bench/WorkflowBench, docs/benchmarks.md "Caching").</summary>
    private static GraphScope DescribeGraph(WorkflowGraph graph)
    {
        var hash = CanonicalJson.Hash(new
        {
            nodes = graph.Nodes.OrderBy(n => n.Id, StringComparer.Ordinal).Select(n => new { id = n.Id, type = n.Type, settings = n.Settings }),
            edges = graph.Edges.Select(e => new { e.From, e.To, e.FromPort, e.ToPort }).OrderBy(e => e.From + "\n" + e.To + "\n" + e.FromPort, StringComparer.Ordinal),
        });
        string[] knowledgeBases = [.. graph.Nodes.Select(NodeCacheKey.KnowledgeBaseIdOf).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        return new GraphScope(hash, knowledgeBases);
    }

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

    private static NodeResult Miss(Input input, string? reason, IReadOnlyDictionary<string, string>? lookupDetails)
    {
        Dictionary<string, string>? details = lookupDetails is null ? null : new(lookupDetails);
        if (reason is not null)
        {
            (details ??= [])["cache"] = reason;
        }
        return new(NodeOutputs.From(new { hit = false, answer = "", question = input.Question }))
        {
            ActivePort = MissPort,
            Details = details,
        };
    }

    /// <summary>A gate's lookup: the matcher, the question and its typed form, the hash of the history it is scoped to (null:
    /// shared by every conversation) and the trace details saying which; or, with <see cref="SkipReason"/>, none at all.</summary>
    private sealed record Lookup(IAnswerMatcher Matcher, string Question, string? AsTyped, string? HistoryHash, Dictionary<string, string> Details)
    {
        public string? SkipReason { get; init; }

        public static Lookup Skip(IAnswerMatcher matcher, string reason, Dictionary<string, string> details) =>
            new(matcher, "", null, null, details) { SkipReason = reason };
    }

    private sealed record GraphScope(string Hash, string[] KnowledgeBaseIds)
    {
        /// <summary>The last scope built per gate node id, with the knowledge-base versions and models it was built for.</summary>
        public System.Collections.Concurrent.ConcurrentDictionary<string, BuiltScope> LastScopes { get; } = new(StringComparer.Ordinal);

        /// <summary>The conversational steps after each gate's <c>miss</c> port, in run order, per gate node id.</summary>
        public System.Collections.Concurrent.ConcurrentDictionary<string, (NodeDefinition Definition, IConversationalStep Step)[]> StepsAfter { get; } = new(StringComparer.Ordinal);
    }

    private sealed record BuiltScope(long?[] Versions, string Models, AnswerScope Scope);

    /// <summary>A missed lookup waiting for the run's answer; the lookup carries the matcher's analysis of the question.</summary>
    private sealed record PendingAnswer(IAnswerMatcher Matcher, AnswerLookup Lookup, long Started);

    /// <summary>The run's question as the user typed it, when the gate looks up that same question (equal up to case, punctuation
    /// and spacing, as the clean node's default steps leave it); otherwise null. The lookup text is lower-cased, and the
    /// semantic matcher reads names ("Canada", "PayPal") from their capitals.</summary>
    public static string? AsTyped(string? query, string question)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            return null;
        }
        int i = 0, j = 0;
        while (true)
        {
            while (i < query.Length && !char.IsLetterOrDigit(query[i]))
            {
                i++;
            }
            while (j < question.Length && !char.IsLetterOrDigit(question[j]))
            {
                j++;
            }
            if (i == query.Length || j == question.Length)
            {
                return i == query.Length && j == question.Length ? query.Trim() : null;
            }
            if (char.ToLowerInvariant(query[i]) != char.ToLowerInvariant(question[j]))
            {
                return null;
            }
            i++;
            j++;
        }
    }
}
