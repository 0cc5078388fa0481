using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Nodes.Types;

/// <summary>The run's final text. When a response-cache gate before it answered from cache, that stored answer is used
/// instead of the template (the steps that would have produced the template's values were skipped).</summary>
[NodeType("answer",
    DisplayName = "Answer",
    Category = "Output",
    Description = "The reply the user sees, e.g. {{ llm.text }}. Uses the cached answer when a response cache before it had a hit.",
    Icon = "Chat",
    CacheKind = "answer",
    DefaultTtlSeconds = 600,
    HasOutput = false,
    Outputs = ["text"],
    Color = "#2563eb", // blue
    PaletteOrder = 70,
    EndsRunWithAnswer = true)]
public sealed class AnswerNode(NodeRegistry registry) : Node<AnswerNode.Config, AnswerNode.Input>
{
    public sealed record Config : INodeSummary
    {
        public string Template { get; init; } = "{{ llm.text }}";

        public string Summarize(NodeSummaryContext context) => NodeSummaryContext.Shorten(Template);
    }

    /// <param name="Text">The answer text.</param>
    /// <param name="CachedBy">The cache gate whose stored answer this is, or null when the template produced it.</param>
    public sealed record Input(string Text, string? CachedBy);

    protected override Input ResolveInput(NodeContext context, Config config)
    {
        if (FindCacheHit(context) is { } hit)
        {
            return hit;
        }
        return new Input(TemplateRenderer.Render(config.Template, context), null);
    }

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, Input input, CancellationToken cancellationToken)
    {
        var outputs = NodeOutputs.Write(input.Text, static (w, text) => w.String("text", text));
        var result = new NodeResult(outputs);
        if (input.CachedBy is not null)
        {
            result = result with { Details = new Dictionary<string, string> { ["source"] = $"cached answer from '{input.CachedBy}'" } };
        }
        return ValueTask.FromResult(result);
    }

    protected override IEnumerable<string> Validate(Config config)
    {
        if (string.IsNullOrWhiteSpace(config.Template))
        {
            yield return "The answer template is empty: say what to reply with, usually {{ llm.text }}.";
        }
        else if (TemplateRenderer.GetSyntaxError(config.Template) is { } error)
        {
            yield return error;
        }
    }

    protected override IEnumerable<VariableReference> References(Config config) => TemplateReferenceFinder.Find(config.Template, "template");

    /// <summary>The answer of a step upstream of this node that supplies cached answers (<see cref="NodeTypeAttribute.SuppliesCachedAnswer"/>)
    /// and had a hit in this run (outputs <c>hit</c> = true and <c>answer</c>).</summary>
    private Input? FindCacheHit(NodeContext context)
    {
        foreach (var gate in context.Run.Workflow.Upstream(context.Node.Id))
        {
            if (registry.Find(gate.Type)?.Metadata.SuppliesCachedAnswer != true)
            {
                continue;
            }
            var outputs = context.GetOutputs(gate.Id);
            if (outputs is not null && outputs.GetBoolean("hit") == true && outputs.GetString("answer") is { } answer)
            {
                return new Input(answer, gate.Id);
            }
        }
        return null;
    }
}
