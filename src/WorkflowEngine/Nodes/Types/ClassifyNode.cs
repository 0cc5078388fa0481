using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowEngine.Graphs;
using WorkflowEngine.Llm;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Nodes.Types;

/// <summary>
/// Routes a question to one of several named output ports by what it means. Each class has a name (its port) and a few example
/// phrases; the question goes to the class of the example it is most alike (cosine similarity of the workflow's embeddings,
/// the built-in model by default, offline), or to the fallback port when no example reaches <see cref="Config.MinConfidence"/>.
/// With <see cref="Config.UseModel"/> the LLM step's model picks the class instead, when one is configured.
/// <para>The ports follow the settings (<see cref="IOutputPorts"/>): one per class, in order, then the fallback. The examples are
/// embedded once per settings record (a node's parsed settings live as long as its definition) and the question once per run.</para>
/// </summary>
[NodeType("classify",
    DisplayName = "Classify question",
    Category = "Logic",
    Description = "Sends the question down one of several named paths by what it means, learnt from a few example phrases per path; below a confidence it takes the fallback path.",
    Icon = "AltRoute",
    CacheKind = "classify",
    DefaultTtlSeconds = 3600,
    Outputs = ["class", "confidence"],
    Color = "#65a30d", // lime
    PaletteOrder = 20)]
public sealed partial class ClassifyNode(
    IEmbeddingGenerator<string, Embedding<float>> embeddings,
    ILlmClientFactory clients,
    IOptions<LlmOptions> llmOptions,
    NodeFactory nodes,
    ILogger<ClassifyNode>? logger = null)
    : Node<ClassifyNode.Config, ClassifyNode.Input>
{
    public const string DefaultFallback = "other";
    public const int MaxClasses = 20;
    public const int MaxExamplesPerClass = 50;
    public const int MaxNameLength = 40;

    /// <summary>The confidence a question needs to be given a class: measured with bench/ClassifyEval on phrases never used to
    /// choose it (docs/benchmarks.md, "Classify step").</summary>
    public const double DefaultMinConfidence = 0.34;

    /// <summary>Trace detail: how the class was chosen, <c>examples</c> or <c>model</c>.</summary>
    public const string MethodDetail = "method";

    // The embedded examples of each settings record; a record is immutable and belongs to one node definition.
    private readonly ConditionalWeakTable<Config, Task<ExampleIndex>> _indexes = new();

    /// <summary>The classify node's settings.</summary>
    public sealed record Config : INodeSummary, IOutputPorts
    {
        /// <summary>The text to classify (a template), usually the question.</summary>
        public string Input { get; init; } = "{{ start.query }}";

        /// <summary>The classes, in port order: each a name (its output port) and example phrases.</summary>
        public IReadOnlyList<QuestionClass> Classes { get; init; } = [];

        /// <summary>The port taken when no class is close enough (or the model names none); blank means <see cref="DefaultFallback"/>.</summary>
        public string Fallback { get; init; } = DefaultFallback;

        /// <summary>0..1: the similarity to the nearest example a question needs to get that example's class.</summary>
        public double MinConfidence { get; init; } = DefaultMinConfidence;

        /// <summary>Ask the LLM step's model instead of comparing with the examples, when the workflow has a model configured.</summary>
        public bool UseModel { get; init; }

        /// <summary>The fallback port's name as the ports carry it.</summary>
        [JsonIgnore]
        public string FallbackPort => string.IsNullOrWhiteSpace(Fallback) ? DefaultFallback : Fallback.Trim();

        [JsonIgnore]
        public IEnumerable<string> OutputPorts => [.. (Classes ?? []).Select(c => c?.Name ?? ""), FallbackPort];

        public string Summarize(NodeSummaryContext context)
        {
            var names = (Classes ?? []).Select(c => c?.Name?.Trim()).Where(n => !string.IsNullOrEmpty(n)).ToList();
            return names.Count == 0
                ? "No classes yet"
                : NodeSummaryContext.Shorten((UseModel ? "Model: " : "") + string.Join(" · ", names) + " · else " + FallbackPort);
        }
    }

    /// <summary>One class: its name (the output port and the <c>class</c> output) and phrases that belong to it.</summary>
    public sealed record QuestionClass
    {
        public string Name { get; init; } = "";

        public IReadOnlyList<string> Examples { get; init; } = [];
    }

    /// <summary>What the class depends on besides the settings (the cache hashes it): the text, and who decides, the embedding
    /// model (by its id) or the LLM step's model (provider and model, never the key).</summary>
    public sealed record Input(string Text, string Method, string DecidedBy);

    protected override Input ResolveInput(NodeContext context, Config config)
    {
        var text = TemplateRenderer.Render(config.Input, context).Trim();
        if (config.UseModel && FindModel(context) is { } model)
        {
            return new Input(text, ModelMethod, model.Description);
        }
        var embeddingModel = embeddings.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? "";
        return new Input(text, ExamplesMethod, embeddingModel);
    }

    protected override async ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, Input input, CancellationToken cancellationToken)
    {
        var details = new Dictionary<string, string>(StringComparer.Ordinal) { [MethodDetail] = input.Method };
        if (config.UseModel && input.Method == ExamplesMethod)
        {
            details["model"] = "none configured: classified by the examples";
        }
        string? chosen;
        double confidence;
        if (input.Text.Length == 0)
        {
            (chosen, confidence) = (null, 0);
            details["reason"] = "nothing to classify: the input is empty";
        }
        else if (input.Method == ModelMethod)
        {
            var model = FindModel(context) ?? throw new LlmException("The model that was to classify the question is no longer configured.");
            var reply = await AskModelAsync(model, config, input.Text, cancellationToken).ConfigureAwait(false);
            chosen = ReadReply(reply, Names(config));
            confidence = chosen is null ? 0 : 1;
            details["model"] = model.Description;
            details["reply"] = NodeSummaryContext.Shorten(reply);
        }
        else
        {
            var index = await IndexFor(config, cancellationToken).ConfigureAwait(false);
            var question = (await embeddings.GenerateAsync([input.Text], cancellationToken: cancellationToken).ConfigureAwait(false))[0].Vector;
            var scores = index.Score(question.Span);
            details["scores"] = string.Join(" · ", scores.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Class} {s.Score:0.00}")));
            var best = scores.Count > 0 ? scores[0] : default;
            confidence = Math.Round(Math.Max(0, best.Score), 4);
            chosen = best.Class is not null && best.Score >= config.MinConfidence ? best.Class : null;
            if (chosen is null && best.Class is not null)
            {
                details["reason"] = string.Create(CultureInfo.InvariantCulture,
                    $"nearest class '{best.Class}' at {best.Score:0.00} is below the confidence needed ({config.MinConfidence:0.00})");
            }
        }
        var port = chosen ?? config.FallbackPort;
        return new NodeResult(NodeOutputs.From(new { @class = port, confidence })) { ActivePort = port, Details = details };
    }

    private const string ExamplesMethod = "examples";
    private const string ModelMethod = "model";

    /// <summary>The class names as ports carry them (trimmed), in order.</summary>
    private static List<string> Names(Config config) => [.. (config.Classes ?? []).Select(c => c?.Name?.Trim() ?? "")];

    /// <summary>The embedded examples of <paramref name="config"/>, built on first use; a failed build is forgotten so the next run tries again.</summary>
    private async Task<ExampleIndex> IndexFor(Config config, CancellationToken cancellationToken)
    {
        var building = _indexes.GetValue(config, c => ExampleIndex.BuildAsync(embeddings, Names(c), [.. (c.Classes ?? []).Select(x => x?.Examples ?? [])], CancellationToken.None));
        try
        {
            return await building.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (building.IsFaulted || building.IsCanceled)
        {
            _indexes.Remove(config);
            throw;
        }
    }

    /// <summary>The model of the LLM steps this workflow runs (those after this step first): the first one that is configured;
    /// null when none is (the examples decide then). The steps are found once per compiled graph; their models are resolved on
    /// every run, since the configured default and the studio's providers change without the graph.</summary>
    private LlmEndpoint? FindModel(NodeContext context)
    {
        var steps = context.Run.Workflow.Memo(this, static _ => new ModelSteps()).ByNode.GetOrAdd(context.Node.Id, static (id, state) =>
        {
            var plan = state.Workflow.Plan;
            var after = plan.Descendants(id);
            var found = new List<(NodeDefinition, IConversationalStep)>();
            foreach (var pass in new[] { true, false })
            {
                foreach (var node in plan.Nodes)
                {
                    if (after.Contains(node.Id) == pass && state.Nodes.Find(node.Type)?.Node is IConversationalStep step)
                    {
                        found.Add((node, step));
                    }
                }
            }
            return [.. found];
        }, (context.Run.Workflow, Nodes: nodes));
        foreach (var (definition, step) in steps)
        {
            if (step.DescribeConversationalInput(new NodeContext(context.Run, definition)).Endpoint is { IsOffline: false } endpoint)
            {
                return endpoint;
            }
        }
        return null;
    }

    /// <summary>Per classify node of one compiled graph: the conversational (LLM) steps whose model it may ask, in that order.</summary>
    private sealed class ModelSteps
    {
        public System.Collections.Concurrent.ConcurrentDictionary<string, (NodeDefinition Definition, IConversationalStep Step)[]> ByNode { get; } = new(StringComparer.Ordinal);
    }

    protected override IEnumerable<string> Validate(Config config)
    {
        if (string.IsNullOrWhiteSpace(config.Input))
        {
            yield return "Say what to classify, usually {{ start.query }}.";
        }
        else if (TemplateRenderer.GetSyntaxError(config.Input) is { } error)
        {
            yield return error;
        }
        var classes = config.Classes ?? [];
        if (classes.Count == 0)
        {
            yield return "Add at least one class: a name (its output) and a few example questions that belong to it.";
        }
        else if (classes.Count > MaxClasses)
        {
            yield return $"At most {MaxClasses} classes; there are {classes.Count}.";
        }
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < classes.Count; i++)
        {
            var name = classes[i]?.Name?.Trim() ?? "";
            var label = name.Length == 0 ? $"Class {i + 1}" : $"Class '{name}'";
            if (name.Length == 0)
            {
                yield return $"Class {i + 1} has no name: name it, e.g. orders; the name is its output.";
            }
            else if (name.Length > MaxNameLength)
            {
                yield return $"{label}: keep the name under {MaxNameLength} characters.";
            }
            else if (!seen.TryAdd(name, name))
            {
                yield return $"Two classes are called '{name}': each class needs its own name, since each is an output.";
            }
            var examples = (classes[i]?.Examples ?? []).Where(e => !string.IsNullOrWhiteSpace(e)).ToList();
            if (examples.Count == 0)
            {
                yield return $"{label} has no example questions: add a few that belong to it.";
            }
            else if (examples.Count > MaxExamplesPerClass)
            {
                yield return $"{label} has {examples.Count} examples; keep at most {MaxExamplesPerClass}.";
            }
        }
        if (string.IsNullOrWhiteSpace(config.Fallback))
        {
            yield return $"Name the fallback output, taken when no class fits (e.g. {DefaultFallback}).";
        }
        else if (seen.ContainsKey(config.FallbackPort))
        {
            yield return $"The fallback output is called '{config.FallbackPort}' like a class: give it a name of its own.";
        }
        if (config.MinConfidence is < 0 or > 1 || double.IsNaN(config.MinConfidence))
        {
            yield return $"The confidence needed must be between 0 and 1; it is {config.MinConfidence.ToString(CultureInfo.InvariantCulture)}.";
        }
    }

    protected override IEnumerable<VariableReference> References(Config config) => TemplateReferenceFinder.Find(config.Input, "input");
}
