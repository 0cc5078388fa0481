using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Tests.Nodes.Templates;

public sealed class TemplateReferenceFinderTests
{
    [Fact]
    public void Find_OutputsAndTags_ReturnsEachReferenceOnce()
    {
        // Arrange
        const string template = "{{ start.query }} {% if retrieve.found %}{{ retrieve.context }}{% endif %} {{ start.query | upcase }}";

        // Act
        var references = TemplateReferenceFinder.Find(template, "template");

        // Assert
        Assert.Equal(
            [new VariableReference("start", "query", "template"), new VariableReference("retrieve", "found", "template"), new VariableReference("retrieve", "context", "template")],
            references);
    }

    [Fact]
    public void Find_LoopAndAssignVariables_AreNotReferences()
    {
        // Arrange
        const string template = "{% assign q = start.query %}{% for c in retrieve.chunks %}{{ c.text }}{{ forloop.index }}{% endfor %}{{ q }}{% capture x %}a{% endcapture %}{{ x }}";

        // Act
        var references = TemplateReferenceFinder.Find(template, "prompt");

        // Assert
        Assert.Equal([new VariableReference("start", "query", "prompt"), new VariableReference("retrieve", "chunks", "prompt")], references);
    }

    [Fact]
    public void Find_BareNodeId_HasEmptyOutput()
    {
        // Act
        var references = TemplateReferenceFinder.Find("{{ start }}", "input");

        // Assert
        Assert.Equal([new VariableReference("start", "", "input")], references);
    }

    [Fact]
    public void Find_PlainTextOrSyntaxError_ReturnsNone()
    {
        // Act
        var plain = TemplateReferenceFinder.Find("Just text, 没有变量", "template");
        var broken = TemplateReferenceFinder.Find("{{ start.query", "template");

        // Assert
        Assert.Empty(plain);
        Assert.Empty(broken);
    }
}
