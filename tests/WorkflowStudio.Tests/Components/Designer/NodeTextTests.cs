using System.Text.Json;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowStudio.Components.Designer;

namespace WorkflowStudio.Tests.Components.Designer;

public sealed class NodeTextTests
{
    private static readonly NodeRegistry Registry = new(NodeRegistry.Discover());

    [Theory]
    [InlineData(60, "1 min")]
    [InlineData(1800, "30 min")]
    [InlineData(3600, "1 h")]
    [InlineData(86400, "1 day")]
    [InlineData(172800, "2 days")]
    [InlineData(45, "45 s")]
    [InlineData(5400, "90 min")]
    public void Format_Seconds_PlainText(int seconds, string expected)
    {
        // Act
        var text = TtlText.Format(seconds);

        // Assert
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Describe_LlmWithModel_ShowsModelAndTemperature()
    {
        // Arrange
        var node = new NodeDefinition("llm", "llm", "LLM", JsonDocument.Parse("""{ "model": "gpt-4o-mini", "temperature": 0.7 }""").RootElement, NodeCacheSettings.Disabled);

        // Act
        var summary = Registry.Find(node.Type)!.Summarize(node);

        // Assert
        Assert.Equal("gpt-4o-mini · temp 0.7", summary);
    }

    [Fact]
    public void Describe_LongTemplate_FirstWordsOnOneLine()
    {
        // Arrange
        var node = new NodeDefinition("t", "template", "T",
            JsonDocument.Parse("""{ "template": "Answer the customer's question\nusing only these help articles and nothing else at all." }""").RootElement, NodeCacheSettings.Disabled);

        // Act
        var summary = Registry.Find(node.Type)!.Summarize(node);

        // Assert
        Assert.DoesNotContain('\n', summary);
        Assert.EndsWith("…", summary);
        Assert.StartsWith("Answer the customer's question using", summary);
        Assert.True(summary.Length <= 42);
    }

    [Fact]
    public void Summarize_RetrieveWithKnownKnowledgeBase_ShowsItsName()
    {
        // Arrange
        var node = new NodeDefinition("r", "retrieve", "R", JsonDocument.Parse("""{ "knowledgeBaseId": "kb-1", "topK": 5 }""").RootElement, NodeCacheSettings.Disabled);
        var context = new NodeSummaryContext(id => id == "kb-1" ? "Help centre" : null);

        // Act
        var summary = Registry.Find(node.Type)!.Summarize(node, context);

        // Assert
        Assert.Equal("Help centre · top 5 · hybrid", summary);
    }

    [Fact]
    public void Summarize_SettingsOfTheWrongShape_EmptyInsteadOfThrowing()
    {
        // Arrange: the validator reports the bad setting; the card just shows no summary.
        var node = new NodeDefinition("llm", "llm", "LLM", JsonDocument.Parse("""{ "temperature": "hot" }""").RootElement, NodeCacheSettings.Disabled);

        // Act
        var summary = Registry.Find(node.Type)!.Summarize(node);

        // Assert
        Assert.Equal("", summary);
    }
}
