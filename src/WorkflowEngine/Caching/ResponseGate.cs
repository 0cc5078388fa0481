using System.Runtime.CompilerServices;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Llm;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;

namespace WorkflowEngine.Caching;

/// <summary>What a response-cache gate asks for one run (<see cref="CacheNode"/> is the node type around it).</summary>
/// <param name="MatchMode"><c>exact</c> or a registered matcher's mode.</param>
/// <param name="StandaloneQuestion">Rewrite a follow-up into a self-contained question with the LLM step's model and look that up.</param>
public sealed record GateSettings(string MatchMode, MatchRule Rule, bool StandaloneQuestion);

/// <summary>A gate's lookup for one run: the question as looked up and the trace details saying how; then either
/// <see cref="SkipReason"/> (nothing looked up, nothing will be stored) or the matcher's <see cref="Found"/> lookup, a hit when
/// its <see cref="AnswerLookup.Match"/> is set.</summary>
public sealed record GateLookup(string Question, IReadOnlyDictionary<string, string> Details)
{
    public string? SkipReason { get; init; }

    public AnswerLookup? Found { get; init; }

    /// <summary>The match mode of the matcher that found (or will store) the answer.</summary>
    public string? MatchMode { get; init; }
}

/// <summary>
/// The response-cache gate's lookups, in one place: which question to look up given what the steps after the gate receive
/// from the conversation, in which scope, and storing the run's final answer after a miss. Answers are scoped to the
/// workflow's settings (every node's), the versions of the knowledge bases it reads, the models the steps after the gate
/// would ask and, for answers written after earlier turns, those turns (docs/caching.md, "Conversations and the gate").
/// Thread-safe singleton; what it works out per graph is kept with the graph instance (graphs are immutable).
/// </summary>
public sealed class ResponseGate(ResponseCache responses, IKnowledgeSearch knowledge, EngineCache cache, NodeFactory nodes, StandaloneQuestionWriter standalone)
{
    /// <summary>The <c>scope</c> detail: answers written without history, shared by every conversation.</summary>
    public const string QuestionScope = "question";
    /// <summary>The <c>scope</c> detail: answers written after earlier turns, reused only after the same turns.</summary>
    public const string HistoryScope = "question+history";
    /// <summary>The <c>scope</c> detail: a follow-up looked up as the standalone question the model rewrote it into.</summary>
    public const string StandaloneScope = "standalone";

    /// <summary>How a rewritten question is normalised before lookup: the clean node's default steps, as the gate's input usually is.</summary>
    private static readonly CleanNode.Config RewriteCleaning = new();

    private readonly ConditionalWeakTable<RunContext, PendingAnswer> _pending = new();

    /// <summary>Looks the run's (cleaned) <paramref name="question"/> up as the gate at <paramref name="context"/> would. On a
    /// miss the lookup is kept for <see cref="StoreAsync"/>.</summary>
    public async ValueTask<GateLookup> LookUpAsync(NodeContext context, GateSettings settings, string question, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var started = context.Run.Time.GetTimestamp();
        var steps = StepsAfter(context);
        var lookup = await LookupFor(context, settings, question, steps, cancellationToken).ConfigureAwait(false);
        if (lookup.SkipReason is { } skipped)
        {
            return new GateLookup(question, lookup.Details) { SkipReason = skipped };
        }
        var scope = await ScopeAsync(context, steps, lookup.HistoryHash, cancellationToken).ConfigureAwait(false);
        var matcher = lookup.Matcher;
        var found = await matcher.FindAsync(scope, lookup.Question, lookup.AsTyped, settings.Rule, cancellationToken).ConfigureAwait(false);
        if (found.Match is null && lookup.HistoryHash is not null)
        {
            // A follow-up may still reuse an answer written without history (nothing of another conversation is in it); its
            // own answer, written after these turns, is stored for these turns only.
            var shared = await ScopeAsync(context, steps, null, cancellationToken).ConfigureAwait(false);
            var sharedMatcher = responses.For(settings.MatchMode);
            if (await sharedMatcher.FindAsync(shared, lookup.Question, lookup.AsTyped, settings.Rule, cancellationToken).ConfigureAwait(false) is { Match: not null } sharedFound)
            {
                lookup.Details["scope"] = QuestionScope;
                return new GateLookup(lookup.Question, lookup.Details) { Found = sharedFound, MatchMode = sharedMatcher.Mode };
            }
        }
        if (found.Match is null)
        {
            _pending.AddOrUpdate(context.Run, new PendingAnswer(matcher, found, started));
        }
        return new GateLookup(lookup.Question, lookup.Details) { Found = found, MatchMode = matcher.Mode };
    }

    /// <summary>Stores the run's final answer under the lookup that missed in <paramref name="run"/> (nothing when the gate did
    /// not miss a lookup in this run). Call it only for runs that reached their answer.</summary>
    public async ValueTask StoreAsync(RunContext run, string answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (string.IsNullOrWhiteSpace(answer) || !_pending.TryGetValue(run, out var pending))
        {
            return;
        }
        _pending.Remove(run);
        var missTime = run.Time.GetElapsedTime(pending.Started);
        await pending.Matcher.StoreAsync(pending.Lookup, answer, missTime, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What to look up and how, given what the steps after the gate receive from the conversation: the question
    /// itself (no history), the question within its history (exact matching), the follow-up rewritten as a standalone
    /// question, or nothing (a follow-up that cannot be rewritten).</summary>
    private async ValueTask<Lookup> LookupFor(NodeContext context, GateSettings settings, string question, ConversationalInput[] steps, CancellationToken cancellationToken)
    {
        var matcher = responses.For(settings.MatchMode);
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
            return new Lookup(matcher, question, AsTyped(context.Request.Query, question), null,
                new Dictionary<string, string> { ["scope"] = QuestionScope });
        }
        if (!settings.StandaloneQuestion)
        {
            var historyHash = CanonicalJson.Hash(steps.Select(s => s.History));
            return new Lookup(responses.For(ExactAnswerMatcher.ModeName), question, AsTyped(context.Request.Query, question), historyHash,
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
            var followUp = AsTyped(context.Request.Query, question) ?? question;
            rewritten = await standalone.RewriteAsync(model, history, followUp, cancellationToken).ConfigureAwait(false);
        }
        catch (LlmException ex)
        {
            return Lookup.Skip(matcher, "the model could not rewrite the follow-up as a standalone question: " + ex.Message, standaloneDetails);
        }
        var standaloneQuestion = CleanNode.Normalize(rewritten, RewriteCleaning);
        if (standaloneQuestion.Length == 0)
        {
            return Lookup.Skip(matcher, "the model gave no standalone question for the follow-up", standaloneDetails);
        }
        standaloneDetails["standaloneQuestion"] = rewritten;
        return new Lookup(matcher, standaloneQuestion, AsTyped(rewritten, standaloneQuestion), null, standaloneDetails);
    }

    /// <summary>What the conversational steps after the gate's <c>miss</c> port would receive in this run.</summary>
    private ConversationalInput[] StepsAfter(NodeContext context)
    {
        var gates = context.Run.Workflow.Memo(this, static _ => new GatesOfGraph());
        var steps = gates.StepsAfter.GetOrAdd(context.Node.Id, static (gateId, state) =>
        {
            var after = state.Plan.Descendants(gateId, CacheNode.MissPort);
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
        var workflow = context.Run.Workflow;
        var gates = workflow.Memo(this, static _ => new GatesOfGraph());
        var knowledgeBaseIds = workflow.KnowledgeBaseIds;
        var versions = knowledgeBaseIds.Length == 0 ? [] : new long?[knowledgeBaseIds.Length];
        for (var i = 0; i < versions.Length; i++)
        {
            versions[i] = await knowledge.GetVersionAsync(knowledgeBaseIds[i], cancellationToken).ConfigureAwait(false);
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
        if (!gates.LastScopes.TryGetValue(context.Node.Id, out var last) || last.Scope.WorkflowId != context.Run.WorkflowId
            || last.Scope.Ttl != ttl || !last.Versions.AsSpan().SequenceEqual(versions) || last.Models != models)
        {
            var knowledgeBases = new SortedDictionary<string, long?>(StringComparer.Ordinal);
            for (var i = 0; i < versions.Length; i++)
            {
                knowledgeBases[knowledgeBaseIds[i]] = versions[i];
            }
            var scopeHash = CanonicalJson.Hash(new { graph = workflow.Hash, knowledgeBases, models });
            var tags = new List<string>(2 + knowledgeBaseIds.Length)
            {
                NodeCacheKey.WorkflowTag(context.Run.WorkflowId),
                NodeCacheKey.NodeTag(context.Run.WorkflowId, context.Node.Id),
            };
            tags.AddRange(knowledgeBaseIds.Select(NodeCacheKey.KnowledgeBaseTag));
            last = new BuiltScope(versions, models, new AnswerScope(context.Run.WorkflowId, context.Node.Id, scopeHash, ttl, tags));
            gates.LastScopes[context.Node.Id] = last;
        }
        return historyHash is null
            ? last.Scope
            : last.Scope with { ScopeHash = CanonicalJson.Hash(new { scope = last.Scope.ScopeHash, history = historyHash }) };

        static string Describe(LlmEndpoint? endpoint) => endpoint?.Description ?? "unresolved";
    }

    /// <summary>A gate's lookup: the matcher, the question and its typed form, the hash of the history it is scoped to (null:
    /// shared by every conversation) and the trace details saying which; or, with <see cref="SkipReason"/>, none at all.</summary>
    private sealed record Lookup(IAnswerMatcher Matcher, string Question, string? AsTyped, string? HistoryHash, Dictionary<string, string> Details)
    {
        public string? SkipReason { get; init; }

        public static Lookup Skip(IAnswerMatcher matcher, string reason, Dictionary<string, string> details) =>
            new(matcher, "", null, null, details) { SkipReason = reason };
    }

    /// <summary>What the gates of one graph keep between runs (with the compiled graph, <see cref="CompiledWorkflow.Memo"/>).</summary>
    private sealed class GatesOfGraph
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
