using WorkflowEngine.Execution;

namespace WorkflowEngine.Nodes.Types;

/// <summary>Where every run begins: exposes the user's message, the conversation id and the earlier turns.</summary>
[NodeType("start",
    DisplayName = "Start",
    Category = "Input",
    Description = "Receives the user's message. Other steps use {{ start.query }}, {{ start.conversationId }} and {{ start.history }}.",
    Icon = "PlayArrow",
    CacheKind = "start",
    DefaultTtlSeconds = 60,
    HasInput = false,
    Outputs = ["query", "conversationId", "history"],
    Color = "#475569", // slate
    PaletteOrder = 10)]
public sealed class StartNode : Node<StartNode.Config, StartNode.Input>
{
    /// <summary>The start node has no settings.</summary>
    public sealed record Config : INodeSummary
    {
        public string Summarize(NodeSummaryContext context) => "Receives the user's message";
    }

    public sealed record Input(string Query, string ConversationId, IReadOnlyList<ChatTurn> History);

    protected override Input ResolveInput(NodeContext context, Config config) =>
        new(context.Request.Query ?? "", context.Request.ConversationId, context.Request.History);

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, Input input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.Write(input, static (w, input) =>
        {
            w.String("query", input.Query);
            w.String("conversationId", input.ConversationId);
            var json = w.Json;
            json.WriteStartArray("history");
            foreach (var turn in input.History)
            {
                json.WriteStartObject();
                json.WriteString("role", turn.Role);
                json.WriteString("text", turn.Text);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        })));
}
