using WorkflowEngine.Execution;
using WorkflowEngine.Llm;

namespace WorkflowEngine.Nodes;

/// <summary>Implemented by node types whose output depends on the conversation's earlier turns and on the model that writes
/// it (the LLM step). The response-cache gate asks the steps after it, before they run, so that it reuses an answer only
/// where that answer fits: written by the same model, and after the same history when the step receives one.</summary>
public interface IConversationalStep
{
    /// <summary>What the node of <paramref name="context"/> would receive from the conversation in this run, and which model
    /// it would ask. Cheap and side-effect free: it is asked on every gate lookup.</summary>
    ConversationalInput DescribeConversationalInput(NodeContext context);
}

/// <param name="History">The earlier turns the step would send, oldest first (empty: its output does not depend on the conversation).</param>
/// <param name="Endpoint">The model it would ask (<see cref="LlmEndpoint.Offline"/> when none is configured); null when its
/// provider cannot be resolved (the step will fail and say why).</param>
public sealed record ConversationalInput(IReadOnlyList<ChatTurn> History, LlmEndpoint? Endpoint);
