using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;

namespace WorkflowEngine.Tests.Nodes.Types;

public sealed class AnswerNodeTests
{
    private static readonly NodeRegistry Registry = new(NodeRegistry.Discover());

    private static readonly WorkflowGraph GateGraph = new()
    {
        Nodes = [NodeHarness.Definition("start", "start"), NodeHarness.Definition("gate", "cache"), NodeHarness.Definition("llm", "llm"), NodeHarness.Definition("answer", "answer")],
        Edges = [new Edge("start", "gate"), new Edge("gate", "answer", "hit"), new Edge("gate", "llm", "miss"), new Edge("llm", "answer")],
    };

    [Fact]
    public async Task ExecuteAsync_DefaultTemplate_AnswersWithLlmText()
    {
        // Arrange
        var harness = new NodeHarness(GateGraph).With("gate", new { hit = false, question = "q" }).With("llm", new { text = "Refunds take 5 days." });

        // Act
        var result = await harness.RunAsync(new AnswerNode(Registry), NodeHarness.Definition("answer", "answer"));

        // Assert
        Assert.Equal("Refunds take 5 days.", result.Outputs.GetString("text"));
        Assert.Null(result.Details);
    }

    [Fact]
    public async Task ExecuteAsync_UpstreamCacheGateHit_AnswersWithTheCachedAnswer()
    {
        // Arrange: the llm was skipped, the gate hit.
        var harness = new NodeHarness(GateGraph).With("gate", new { hit = true, answer = "Cached: 5 days.", question = "q" });

        // Act
        var result = await harness.RunAsync(new AnswerNode(Registry), NodeHarness.Definition("answer", "answer"));

        // Assert
        Assert.Equal("Cached: 5 days.", result.Outputs.GetString("text"));
        Assert.Equal("cached answer from 'gate'", result.Details!["source"]);
    }

    [Fact]
    public async Task ExecuteAsync_CustomTemplate_RendersIt()
    {
        // Arrange
        var harness = new NodeHarness(GateGraph).With("llm", new { text = "Yes." });

        // Act
        var result = await harness.RunAsync(new AnswerNode(Registry), NodeHarness.Definition("answer", "answer", new { template = "{{ llm.text }} Anything else?" }));

        // Assert
        Assert.Equal("Yes. Anything else?", result.Outputs.GetString("text"));
    }
}
