using WorkflowEngine.Execution;
using WorkflowEngine.Nodes.Types;

namespace WorkflowEngine.Tests.Nodes.Types;

public sealed class StartNodeTests
{
    [Fact]
    public async Task ExecuteAsync_Request_ExposesQueryConversationAndHistory()
    {
        // Arrange
        var request = new RunRequest("wf", "怎么退款？")
        {
            ConversationId = "conv-1",
            History = [new ChatTurn(ChatTurn.User, "hi"), new ChatTurn(ChatTurn.Assistant, "hello")],
        };
        var harness = new NodeHarness(request: request);

        // Act
        var result = await harness.RunAsync(new StartNode(), NodeHarness.Definition("start", "start"));

        // Assert
        Assert.Equal("怎么退款？", result.Outputs.GetString("query"));
        Assert.Equal("conv-1", result.Outputs.GetString("conversationId"));
        Assert.Equal("""[{"role":"user","text":"hi"},{"role":"assistant","text":"hello"}]""", result.Outputs.GetString("history"));
    }
}
