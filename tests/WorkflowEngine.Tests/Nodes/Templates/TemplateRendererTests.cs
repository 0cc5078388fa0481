using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Tests.Nodes.Templates;

public sealed class TemplateRendererTests
{
    private static readonly Dictionary<string, NodeOutputs> Outputs = new()
    {
        ["start"] = NodeOutputs.From(new { query = "How do I get a refund?", history = new[] { new { role = "user", text = "hi" }, new { role = "assistant", text = "hello" } } }),
        ["retrieve"] = NodeOutputs.From(new
        {
            context = "Refunds take 5 days.",
            found = true,
            chunks = new[] { new { documentName = "Returns", text = "Refunds take 5 days.", score = 0.75 }, new { documentName = "Payment", text = "We accept cards.", score = 0.5 } },
            tags = new[] { "a", "b" },
        }),
        ["llm"] = NodeOutputs.From(new { text = "<b>Tom & Jerry's \"refund\"</b>", outputTokens = 42 }),
    };

    [Fact]
    public void Render_StringOutput_InsertsValue()
    {
        // Arrange
        const string template = "Q: {{ start.query }}";

        // Act
        var text = TemplateRenderer.Render(template, Outputs);

        // Assert
        Assert.Equal("Q: How do I get a refund?", text);
    }

    [Theory]
    [InlineData("{{ start.query }}", "How do I get a refund?")]
    [InlineData("{{start.query}}", "How do I get a refund?")]
    [InlineData("{{- start.query -}}", "How do I get a refund?")]
    [InlineData("{{ start.query }}\n", "How do I get a refund?\n")]
    [InlineData("{{ start.query | upcase }}", "HOW DO I GET A REFUND?")]
    [InlineData("{{ llm.outputTokens }}", "42")]
    [InlineData("{{ retrieve.found }}", "true")]
    [InlineData("{{ missing.text }}", "")]
    [InlineData("{{ start.nothing }}", "")]
    public void Render_WholeTemplateIsOneReference_SameTextAsLiquid(string template, string expected)
    {
        // Act: a bare "{{ node.output }}" is read directly (no Liquid rendering); the result must be what Liquid gives
        var text = TemplateRenderer.Render(template, Outputs);

        // Assert
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Render_HtmlCharacters_AreNotEncoded()
    {
        // Act
        var text = TemplateRenderer.Render("{{ llm.text }}", Outputs);

        // Assert
        Assert.Equal("<b>Tom & Jerry's \"refund\"</b>", text);
    }

    [Fact]
    public void Render_NumbersAndBooleans_UseInvariantText()
    {
        // Act
        var text = TemplateRenderer.Render("{{ llm.outputTokens }}|{{ retrieve.chunks[0].score }}|{% if retrieve.found %}yes{% endif %}", Outputs);

        // Assert
        Assert.Equal("42|0.75|yes", text);
    }

    [Fact]
    public void Render_ArrayLoopAndJoin_RenderEachItem()
    {
        // Act
        var text = TemplateRenderer.Render("{% for c in retrieve.chunks %}[{{ c.documentName }}] {{ c.text }}\n{% endfor %}{{ retrieve.tags | join: \", \" }}|{{ start.history.size }}", Outputs);

        // Assert
        Assert.Equal("[Returns] Refunds take 5 days.\n[Payment] We accept cards.\na, b|2", text);
    }

    [Fact]
    public void Render_UnknownVariable_RendersEmpty()
    {
        // Act
        var text = TemplateRenderer.Render("a{{ nothing.here }}b{{ start.missing }}c", Outputs);

        // Assert
        Assert.Equal("abc", text);
    }

    [Fact]
    public void Render_ChineseText_IsKept()
    {
        // Arrange
        var outputs = new Dictionary<string, NodeOutputs> { ["clean"] = NodeOutputs.From(new { text = "怎么退款" }) };

        // Act
        var text = TemplateRenderer.Render("问题：{{ clean.text }}？", outputs);

        // Assert
        Assert.Equal("问题：怎么退款？", text);
    }

    [Fact]
    public void Render_SyntaxError_ThrowsPlainMessage()
    {
        // Act
        var ex = Assert.Throws<TemplateSyntaxException>(() => TemplateRenderer.Render("Hello {{ start.query ", Outputs));

        // Assert
        Assert.StartsWith("The template has a syntax error", ex.Message);
        Assert.DoesNotContain("Source:", ex.Message);
    }

    [Fact]
    public void Render_IncludeTag_CannotReadFiles()
    {
        // Act
        var ex = Record.Exception(() => TemplateRenderer.Render("{% include '/etc/passwd' %}", Outputs));

        // Assert: either refused or rendered without any file content
        if (ex is null)
        {
            Assert.DoesNotContain("root:", TemplateRenderer.Render("{% include '/etc/passwd' %}", Outputs));
        }
        else
        {
            Assert.DoesNotContain("root:", ex.Message);
        }
    }

    [Fact]
    public void Render_NestedLoopsBeyondStepLimit_StopsWithMessage()
    {
        // Act
        var ex = Assert.Throws<TemplateSyntaxException>(() => TemplateRenderer.Render("{% for i in (1..10000) %}{% for j in (1..10000) %}x{% endfor %}{% endfor %}", Outputs));

        // Assert
        Assert.Contains("could not be rendered", ex.Message);
    }

    [Fact]
    public void Render_HugeRange_IsRefused()
    {
        // Act
        var ex = Assert.Throws<TemplateSyntaxException>(() => TemplateRenderer.Render("{% for i in (1..100000000) %}x{% endfor %}", Outputs));

        // Assert
        Assert.Contains("range", ex.Message);
    }

    [Fact]
    public void GetSyntaxError_ValidAndInvalid_ReportsOnlyInvalid()
    {
        // Act
        var valid = TemplateRenderer.GetSyntaxError("{{ start.query }}");
        var invalid = TemplateRenderer.GetSyntaxError("{% if x %}unclosed");

        // Assert
        Assert.Null(valid);
        Assert.NotNull(invalid);
    }
}
