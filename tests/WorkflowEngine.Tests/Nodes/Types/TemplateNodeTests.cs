using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;

namespace WorkflowEngine.Tests.Nodes.Types;

public sealed class TemplateNodeTests
{
    [Fact]
    public async Task PrepareAsync_Template_RendersAndUsesTheTextAsInputIdentity()
    {
        // Arrange
        var harness = new NodeHarness().With("start", new { query = "Where is my order?" }).With("retrieve", new { context = "Orders ship in 2 days." });
        var definition = NodeHarness.Definition("template", "template", new { template = "Context: {{ retrieve.context }}\nQ: {{ start.query }}" });

        // Act
        var prepared = await harness.PrepareAsync(new TemplateNode(), definition);
        var result = await prepared.ExecuteAsync(CancellationToken.None);

        // Assert
        Assert.Equal("Context: Orders ship in 2 days.\nQ: Where is my order?", result.Outputs.GetString("text"));
        Assert.Equal(result.Outputs.GetString("text"), prepared.InputIdentity);
    }

    [Fact]
    public void ValidateSettings_EmptyOrBrokenTemplate_ReportsProblem()
    {
        // Act
        var empty = new TemplateNode().ValidateSettings(NodeHarness.Definition("t", "template", new { template = " " })).ToList();
        var broken = new TemplateNode().ValidateSettings(NodeHarness.Definition("t", "template", new { template = "{{ start.query" })).ToList();

        // Assert
        Assert.Single(empty);
        Assert.StartsWith("The template has a syntax error", Assert.Single(broken));
    }

    [Fact]
    public void GetReferences_Template_ListsReferencedOutputs()
    {
        // Act
        var references = new TemplateNode().GetReferences(NodeHarness.Definition("t", "template", new { template = "{{ retrieve.context }} {{ start.query }}" }));

        // Assert
        Assert.Equal([new VariableReference("retrieve", "context", "template"), new VariableReference("start", "query", "template")], references);
    }
}
