using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Nodes.Types;

/// <summary>Builds text, usually the prompt for the model, from the outputs of earlier steps.</summary>
[NodeType("template",
    DisplayName = "Prompt template",
    Category = "Text",
    Description = "Fills a text with values from earlier steps, e.g. {{ start.query }} or {{ retrieve.context }}.",
    Icon = "TextSnippet",
    CacheKind = "prompt",
    DefaultTtlSeconds = 600,
    Outputs = ["text"],
    Color = "#d97706", // amber
    PaletteOrder = 40)]
public sealed class TemplateNode : Node<TemplateNode.Config, string>
{
    public sealed record Config : INodeSummary
    {
        /// <summary>Liquid text with <c>{{ nodeId.output }}</c> placeholders.</summary>
        public string Template { get; init; } = "";

        public string Summarize(NodeSummaryContext context) =>
            NodeSummaryContext.Shorten(Template) is { Length: > 0 } text ? text : "Empty template";
    }

    protected override string ResolveInput(NodeContext context, Config config) => TemplateRenderer.Render(config.Template, context);

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { text = input })));

    protected override IEnumerable<string> Validate(Config config)
    {
        if (string.IsNullOrWhiteSpace(config.Template))
        {
            yield return "The template is empty: write the text to build, e.g. \"Answer using: {{ retrieve.context }}\".";
        }
        else if (TemplateRenderer.GetSyntaxError(config.Template) is { } error)
        {
            yield return error;
        }
    }

    protected override IEnumerable<VariableReference> References(Config config) => TemplateReferenceFinder.Find(config.Template, "template");
}
