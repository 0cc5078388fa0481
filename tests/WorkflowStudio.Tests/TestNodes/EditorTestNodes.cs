using WorkflowEngine.Nodes;

namespace WorkflowStudio.Tests.TestNodes;

/// <summary>The engine's node types, plus stand-ins with the agreed shape (key, ports, outputs, settings) for the agreed types
/// another helper has not merged yet. A real engine type always wins over its stand-in.</summary>
public static class EditorTestNodes
{
    public static NodeRegistry Registry()
    {
        var engine = NodeRegistry.Discover().ToList();
        var keys = engine.Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        var standIns = NodeRegistry.Discover(typeof(EditorTestNodes).Assembly).Where(d => !keys.Contains(d.Key));
        return new NodeRegistry([.. engine, .. standIns]);
    }
}

[NodeType("llm", DisplayName = "LLM", Category = "AI", Description = "Asks a language model.", Icon = "Psychology",
    DefaultTtlSeconds = 600, Outputs = ["text", "inputTokens", "outputTokens", "offline"])]
public sealed class StandInLlmNode : Node<StandInLlmNode.Config, string>
{
    public sealed record Config
    {
        public string Model { get; init; } = "";
        public double Temperature { get; init; } = 0.2;
        public int MaxTokens { get; init; } = 512;
        public string Prompt { get; init; } = "{{ template.text }}";
    }

    protected override string ResolveInput(NodeContext context, Config config) => config.Prompt;

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { text = input })));
}

[NodeType("cache", DisplayName = "Response cache", Category = "Cache", Description = "Answers repeated questions from stored answers.",
    Icon = "Bolt", DefaultTtlSeconds = 3600, OutputPorts = ["hit", "miss"], Outputs = ["hit", "answer", "question"])]
public sealed class StandInCacheNode : Node<StandInCacheNode.Config, string>
{
    public sealed record Config
    {
        public string Input { get; init; } = "{{ clean.text }}";
        public string MatchMode { get; init; } = "exact";
        public double Threshold { get; init; } = 0.9;
    }

    protected override string ResolveInput(NodeContext context, Config config) => config.Input;

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { hit = false })) { ActivePort = "miss" });
}
