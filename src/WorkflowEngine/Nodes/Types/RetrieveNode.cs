using System.Globalization;
using WorkflowEngine.Execution;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Nodes.Types;

/// <summary>Finds the passages of a knowledge base that best match the question. Reports "not found" when nothing scores
/// above the minimum, which the cache keeps briefly so repeated junk questions do not reach the knowledge base again.</summary>
[NodeType("retrieve",
    DisplayName = "Search knowledge",
    Category = "Knowledge",
    Description = "Looks up the best-matching passages in a knowledge base. Use {{ retrieve.context }} in a prompt.",
    Icon = "ManageSearch",
    CacheKind = "rag_context",
    DefaultTtlSeconds = 1800,
    Outputs = ["context", "chunks", "found"],
    Color = "#4f46e5", // indigo
    PaletteOrder = 30)]
public sealed class RetrieveNode(IKnowledgeSearch search) : Node<RetrieveNode.Config, RetrieveNode.Input>
{
    /// <summary>Largest number of passages a node may ask for.</summary>
    public const int MaxTopK = 20;

    /// <summary>Separates passages in the joined <c>context</c> output.</summary>
    public const string ContextSeparator = "\n\n";

    public sealed record Config : INodeSummary
    {
        public string KnowledgeBaseId { get; init; } = "";
        /// <summary>What to search for (a template).</summary>
        public string Query { get; init; } = "{{ clean.text }}";
        public int TopK { get; init; } = 3;
        /// <summary>Passages scoring below this (0..1) are ignored; when none is left the result is "not found".</summary>
        public double MinScore { get; init; }
        /// <summary><c>keyword</c>, <c>vector</c> or <c>hybrid</c>.</summary>
        public string Mode { get; init; } = "hybrid";

        public string Summarize(NodeSummaryContext context) => NodeSummaryContext.Shorten(
            string.Create(CultureInfo.InvariantCulture, $"{context.KnowledgeBase(KnowledgeBaseId)} · top {TopK} · {Mode}"));
    }

    /// <param name="KnowledgeBaseVersion">Part of the input so that cached results are not served once the knowledge base changes.</param>
    public sealed record Input(string KnowledgeBaseId, long KnowledgeBaseVersion, string Query);

    protected override async ValueTask<Input> ResolveInputAsync(NodeContext context, Config config, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(config.KnowledgeBaseId))
        {
            throw new InvalidOperationException("No knowledge base is chosen: pick one in the step's settings.");
        }
        var version = await search.GetVersionAsync(config.KnowledgeBaseId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The knowledge base '{config.KnowledgeBaseId}' does not exist (any more): pick another one in the step's settings.");
        if (await search.GetFirstIndexingAsync(config.KnowledgeBaseId, cancellationToken).ConfigureAwait(false) is { } indexing)
        {
            // A described refusal, not a fault: the run fails with this sentence and nothing is cached.
            throw new NodeExecutionException(context.Node.Id,
                $"'{context.Node.Title}': “{indexing.Name}” is still being indexed ({indexing.DocumentsReady} of {indexing.Documents} documents ready). Try again in a few seconds.");
        }
        return new Input(config.KnowledgeBaseId, version, TemplateRenderer.Render(config.Query, context).Trim());
    }

    protected override async ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, Input input, CancellationToken cancellationToken)
    {
        IReadOnlyList<ScoredChunk> hits = [];
        if (input.Query.Length > 0)
        {
            var options = new SearchOptions(Math.Clamp(config.TopK, 1, MaxTopK), config.MinScore, ParseMode(config.Mode) ?? SearchMode.Hybrid);
            hits = await search.SearchAsync(input.KnowledgeBaseId, input.Query, options, cancellationToken).ConfigureAwait(false);
            hits = [.. hits.Where(h => h.Score >= config.MinScore).Take(options.TopK)];
        }
        var outputs = NodeOutputs.From(new
        {
            context = string.Join(ContextSeparator, hits.Select(h => h.Chunk.Text)),
            chunks = hits.Select(h => new { documentName = h.Chunk.DocumentName, heading = h.Chunk.Heading, text = h.Chunk.Text, score = Math.Round(h.Score, 4), ordinal = h.Chunk.Ordinal }),
            found = hits.Count > 0,
        });
        return new NodeResult(outputs)
        {
            IsNotFound = hits.Count == 0,
            Details = new Dictionary<string, string>
            {
                ["knowledgeBaseVersion"] = input.KnowledgeBaseVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["matches"] = hits.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["bestScore"] = hits.Count > 0 ? hits[0].Score.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) : "none",
            },
        };
    }

    protected override IEnumerable<string> Validate(Config config)
    {
        if (string.IsNullOrWhiteSpace(config.KnowledgeBaseId))
        {
            yield return "Choose the knowledge base to search.";
        }
        if (string.IsNullOrWhiteSpace(config.Query))
        {
            yield return "Say what to search for, usually {{ clean.text }}.";
        }
        else if (TemplateRenderer.GetSyntaxError(config.Query) is { } error)
        {
            yield return error;
        }
        if (config.TopK is < 1 or > MaxTopK)
        {
            yield return $"The number of passages (top K) must be between 1 and {MaxTopK}; it is {config.TopK}.";
        }
        if (config.MinScore is < 0 or > 1 || double.IsNaN(config.MinScore))
        {
            yield return $"The minimum score must be between 0 and 1; it is {config.MinScore}.";
        }
        if (ParseMode(config.Mode) is null)
        {
            yield return $"The search mode must be keyword, vector or hybrid; it is '{config.Mode}'.";
        }
    }

    protected override IEnumerable<VariableReference> References(Config config) => TemplateReferenceFinder.Find(config.Query, "query");

    private static SearchMode? ParseMode(string? mode) => mode?.Trim().ToLowerInvariant() switch
    {
        null or "" or "hybrid" => SearchMode.Hybrid,
        "keyword" => SearchMode.Keyword,
        "vector" => SearchMode.Vector,
        _ => null,
    };
}
