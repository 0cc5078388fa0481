using System.Text.RegularExpressions;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Tests.TestNodes;

/// <summary>Small node types for graph validation tests, mirroring the real ones' shapes (ports, outputs, templates,
/// required settings) without their behaviour. Registered explicitly by <see cref="GraphTestNodes.Registry"/>.</summary>
public static partial class GraphTestNodes
{
    public static readonly Type[] Types =
        [typeof(TestStartNode), typeof(TestTextNode), typeof(TestLookupNode), typeof(TestGateNode), typeof(TestAnswerNode), typeof(TestClockNode)];

    /// <summary>A registry of exactly these node types (other test node types in the assembly stay out of it).</summary>
    public static NodeRegistry Registry() =>
        new(NodeRegistry.Discover(typeof(GraphTestNodes).Assembly).Where(d => Types.Contains(d.ImplementationType)));

    /// <summary><c>{{ node.output }}</c> references in a template, as the real template nodes report them.</summary>
    public static IEnumerable<VariableReference> FindReferences(string? template, string field) =>
        ReferencePattern().Matches(template ?? "").Select(m => new VariableReference(m.Groups[1].Value, m.Groups[2].Value, field));

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][\w-]*)\.([A-Za-z_]\w*)")]
    private static partial Regex ReferencePattern();
}

[NodeType("start", HasInput = false, Outputs = ["query", "conversationId", "history"])]
public sealed class TestStartNode : Node<TestStartNode.Config, string>
{
    public sealed record Config;

    protected override string ResolveInput(NodeContext context, Config config) => context.Request.Query;

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { query = input })));
}

[NodeType("text", Outputs = ["text"])]
public sealed class TestTextNode : Node<TestTextNode.Config, string>
{
    public sealed record Config
    {
        public string Template { get; init; } = "{{ start.query }}";
    }

    protected override string ResolveInput(NodeContext context, Config config) => config.Template;

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { text = input })));

    protected override IEnumerable<string> Validate(Config config)
    {
        if (string.IsNullOrWhiteSpace(config.Template))
        {
            yield return "The template is empty; write the text this node should produce.";
        }
    }

    protected override IEnumerable<VariableReference> References(Config config) => GraphTestNodes.FindReferences(config.Template, "template");
}

[NodeType("lookup", Outputs = ["context", "found"])]
public sealed class TestLookupNode : Node<TestLookupNode.Config, string>
{
    public sealed record Config
    {
        public string KnowledgeBaseId { get; init; } = "";
        public int TopK { get; init; } = 3;
        public string Query { get; init; } = "{{ start.query }}";
    }

    protected override string ResolveInput(NodeContext context, Config config) => config.Query;

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { context = input, found = true })));

    protected override IEnumerable<string> Validate(Config config)
    {
        if (string.IsNullOrWhiteSpace(config.KnowledgeBaseId))
        {
            yield return "Choose a knowledge base to search.";
        }
        if (config.TopK < 1)
        {
            yield return "Top K must be at least 1.";
        }
    }

    protected override IEnumerable<VariableReference> References(Config config) => GraphTestNodes.FindReferences(config.Query, "query");
}

[NodeType("gate", OutputPorts = ["hit", "miss"], Outputs = ["hit", "answer"])]
public sealed class TestGateNode : Node<TestGateNode.Config, string>
{
    public sealed record Config
    {
        public string Input { get; init; } = "{{ start.query }}";
    }

    protected override string ResolveInput(NodeContext context, Config config) => config.Input;

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { hit = false })) { ActivePort = "miss" });

    protected override IEnumerable<VariableReference> References(Config config) => GraphTestNodes.FindReferences(config.Input, "input");
}

[NodeType("answer", HasOutput = false, EndsRunWithAnswer = true, Outputs = ["text"])]
public sealed class TestAnswerNode : Node<TestAnswerNode.Config, string>
{
    public sealed record Config
    {
        public string Template { get; init; } = "{{ text.text }}";
    }

    protected override string ResolveInput(NodeContext context, Config config) => config.Template;

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { text = input })));

    protected override IEnumerable<VariableReference> References(Config config) => GraphTestNodes.FindReferences(config.Template, "template");
}

/// <summary>A node type with a constructor dependency, as real node types have (knowledge search, chat client).</summary>
[NodeType("clock", Outputs = ["now"])]
public sealed class TestClockNode(TimeProvider time) : Node<TestClockNode.Config, string>
{
    public sealed record Config
    {
        public string Format { get; init; } = "";
    }

    protected override string ResolveInput(NodeContext context, Config config) => config.Format;

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { now = time.GetUtcNow().ToString(input) })));

    protected override IEnumerable<string> Validate(Config config)
    {
        if (string.IsNullOrWhiteSpace(config.Format))
        {
            yield return "Choose a date format.";
        }
    }
}
