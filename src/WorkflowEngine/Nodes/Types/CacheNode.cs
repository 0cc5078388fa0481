using System.Globalization;
using System.Runtime.CompilerServices;
using WorkflowEngine.Caching;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Nodes.Types;

/// <summary>
/// The response-cache gate: looks the (cleaned) question up among answers this workflow gave before. On a hit the run
/// continues on the <c>hit</c> port with the stored answer; on a miss it continues on <c>miss</c>, and once the run has
/// its final answer the gate stores it for the gate's TTL. Stored answers are scoped to the workflow's current settings
/// (every node's) and the versions of the knowledge bases its retrieve nodes use, so an edit or a knowledge-base change
/// never serves an old answer. Match mode <c>exact</c> compares the question text; <c>semantic</c> is provided by the
/// semantic cache area through <see cref="IAnswerMatcher"/>.
/// </summary>
[NodeType("cache",
    DisplayName = "Response cache",
    Category = "Cache",
    Description = "Answers repeated questions from earlier answers. 'hit' continues to the answer, 'miss' to the steps that build one.",
    Icon = "Bolt",
    CacheKind = "answer",
    DefaultTtlSeconds = 3600,
    OutputPorts = [HitPort, MissPort],
    Outputs = ["hit", "answer", "question", "matchedQuestion", "similarity"])]
public sealed class CacheNode(ResponseCache responses, IKnowledgeSearch knowledge, EngineCache cache)
    : Node<CacheNode.Config, CacheNode.Input>, IRunCompletionParticipant, ISelfCachingNode
{
    public const string HitPort = "hit";
    public const string MissPort = "miss";

    /// <summary>The <c>cache</c> detail of a miss during Redis trouble (reported as outcome <c>error</c>).</summary>
    private const string RedisTroubleReason = "redis unreachable";

    private static readonly ConditionalWeakTable<WorkflowGraph, GraphScope> GraphScopes = new();

    private readonly ConditionalWeakTable<RunContext, PendingAnswer> _pending = new();

    public sealed record Config
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
            return Miss(input, settings.Enabled ? "empty question" : "caching is off for this step");
        }
        var started = context.Run.Time.GetTimestamp();
        var matcher = responses.For(config.MatchMode);
        var scope = await ScopeAsync(context, cancellationToken).ConfigureAwait(false);
        var asTyped = AsTyped(context.Request.Query, input.Question);
        var match = await matcher.FindAsync(scope, input.Question, asTyped, config.Threshold, cancellationToken).ConfigureAwait(false);
        if (match is null)
        {
            _pending.AddOrUpdate(context.Run, new PendingAnswer(matcher, scope, input.Question, asTyped, started));
            // Checked after the lookup: a lookup that found Redis gone (or its circuit breaker open) is cache trouble, not a
            // plain miss; the run goes on along 'miss' and the answer is kept in this instance's L1 only.
            return Miss(input, cache.HasL2 && !cache.IsL2Usable ? RedisTroubleReason : null);
        }
        var similarity = match.Similarity.ToString("0.###", CultureInfo.InvariantCulture);
        return new NodeResult(NodeOutputs.From(new
        {
            hit = true,
            answer = match.Answer,
            question = input.Question,
            matchedQuestion = match.Question,
            similarity = match.Similarity,
        }))
        {
            ActivePort = HitPort,
            Details = WithMatchDetails(new Dictionary<string, string>
            {
                ["cache"] = "hit",
                ["level"] = match.Level.ToString(),
                ["savedMs"] = match.Saved.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture),
                ["matchMode"] = matcher.Mode,
                ["matchedQuestion"] = match.Question,
                ["similarity"] = similarity,
            }, match),
        };
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
        await pending.Matcher.StoreAsync(pending.Scope, pending.Question, pending.AsTyped, answer, missTime, cancellationToken).ConfigureAwait(false);
    }

    public CacheOutcome DescribeOutcome(NodeResult result, bool cacheEnabled)
    {
        if (!cacheEnabled)
        {
            return CacheOutcome.Bypass;
        }
        if (result.ActivePort != HitPort || result.Details is null)
        {
            return result.Details is { } details && details.TryGetValue("cache", out var reason) && reason == RedisTroubleReason
                ? new CacheOutcome(CacheStatus.Error, Detail: "Redis is unreachable: the question was looked up in this instance only, and its answer is cached here only.")
                : CacheOutcome.Miss;
        }
        var level = result.Details.TryGetValue("level", out var l) && Enum.TryParse<CacheLevel>(l, out var parsed) ? parsed : (CacheLevel?)null;
        var saved = result.Details.TryGetValue("savedMs", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? TimeSpan.FromMilliseconds(value)
            : (TimeSpan?)null;
        return new CacheOutcome(CacheStatus.Hit, level, saved);
    }

    /// <summary>Where this gate's answers live: its workflow, node, TTL and a hash of every node's type and settings plus
    /// the versions of the knowledge bases the workflow reads.</summary>
    public async ValueTask<AnswerScope> ScopeAsync(NodeContext context, CancellationToken cancellationToken)
    {
        var graph = GraphScopes.GetValue(context.Graph, static g => DescribeGraph(g));
        var versions = graph.KnowledgeBaseIds.Length == 0 ? [] : new long?[graph.KnowledgeBaseIds.Length];
        for (var i = 0; i < versions.Length; i++)
        {
            versions[i] = await knowledge.GetVersionAsync(graph.KnowledgeBaseIds[i], cancellationToken).ConfigureAwait(false);
        }
        var ttl = cache.Options.TtlFor("answer", context.Node.Cache.TtlSeconds);
        // The scope changes only when a knowledge base's version does: reuse the last one built for this gate (hashing it and
        // building its tags on every run was a measurable part of a cached run, bench/ApiLoad).
        if (graph.LastScopes.TryGetValue(context.Node.Id, out var last) && last.Scope.WorkflowId == context.Run.WorkflowId
            && last.Scope.Ttl == ttl && last.Versions.AsSpan().SequenceEqual(versions))
        {
            return last.Scope;
        }
        var knowledgeBases = new SortedDictionary<string, long?>(StringComparer.Ordinal);
        for (var i = 0; i < versions.Length; i++)
        {
            knowledgeBases[graph.KnowledgeBaseIds[i]] = versions[i];
        }
        var scopeHash = CanonicalJson.Hash(new { graph = graph.Hash, knowledgeBases });
        var tags = new List<string>(2 + graph.KnowledgeBaseIds.Length)
        {
            NodeCacheKey.WorkflowTag(context.Run.WorkflowId),
            NodeCacheKey.NodeTag(context.Run.WorkflowId, context.Node.Id),
        };
        tags.AddRange(graph.KnowledgeBaseIds.Select(NodeCacheKey.KnowledgeBaseTag));
        var scope = new AnswerScope(context.Run.WorkflowId, context.Node.Id, scopeHash, ttl, tags);
        graph.LastScopes[context.Node.Id] = new BuiltScope(versions, scope);
        return scope;
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

    private static NodeResult Miss(Input input, string? reason) => new(NodeOutputs.From(new { hit = false, answer = "", question = input.Question }))
    {
        ActivePort = MissPort,
        Details = reason is null ? null : new Dictionary<string, string> { ["cache"] = reason },
    };

    private sealed record GraphScope(string Hash, string[] KnowledgeBaseIds)
    {
        /// <summary>The last scope built per gate node id, with the knowledge-base versions it was built for.</summary>
        public System.Collections.Concurrent.ConcurrentDictionary<string, BuiltScope> LastScopes { get; } = new(StringComparer.Ordinal);
    }

    private sealed record BuiltScope(long?[] Versions, AnswerScope Scope);

    private sealed record PendingAnswer(IAnswerMatcher Matcher, AnswerScope Scope, string Question, string? AsTyped, long Started);

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
