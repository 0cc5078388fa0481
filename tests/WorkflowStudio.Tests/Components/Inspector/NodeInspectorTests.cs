using Bunit;
using WorkflowEngine.Graphs;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Components.Inspector;

namespace WorkflowStudio.Tests.Components.Inspector;

public sealed class NodeInspectorTests : EditorTestContext
{
    [Fact]
    public void CacheCheckboxAndPreset_OnTemplateNode_UpdateGraphAndCanvasBadgeAtOnce()
    {
        // Arrange: the canvas and the inspector share the session, as on the editor page.
        var canvas = Render<WorkflowCanvas>();
        var inspector = Render<NodeInspector>();
        Session.Select(["template"]);
        var model = canvas.Instance.Diagram.Nodes.OfType<WorkflowNodeModel>().Single(m => m.NodeId == "template");
        Assert.Null(model.CacheBadge);

        // Act: tick "Cache results", then choose the 30 min preset.
        inspector.Find("[data-testid=cache-settings] input[type=checkbox]").Change(true);
        var badgeAfterTick = model.CacheBadge;
        inspector.Find("[data-testid=ttl-preset-1800]").Click();

        // Assert
        Assert.Equal("10 min", badgeAfterTick);
        Assert.Equal(new NodeCacheSettings(true, 1800), Session.Graph.FindNode("template")!.Cache);
        Assert.Equal("30 min", model.CacheBadge);
        canvas.WaitForAssertion(() => Assert.Contains("30 min", canvas.Find("[data-node-id=template] [data-testid=cache-badge]").TextContent));
    }

    [Fact]
    public void TtlAmount_Zero_IsRejectedWithAMessageAndNotApplied()
    {
        // Arrange
        Session.Select(["llm"]);
        var before = Session.Graph.FindNode("llm")!.Cache;
        var inspector = Render<NodeInspector>();

        // Act
        TtlAmount(inspector).Change("0");

        // Assert
        Assert.Contains("Enter a time greater than zero.", inspector.Markup);
        Assert.Equal(before, Session.Graph.FindNode("llm")!.Cache);
        Assert.False(Session.IsDirty);
    }

    [Fact]
    public void TtlAmount_LongerThanAWeek_IsRejectedWithAMessage()
    {
        // Arrange
        Session.Select(["retrieve"]);
        var inspector = Render<NodeInspector>();

        // Act: 30 min → 30000 min is more than 7 days.
        TtlAmount(inspector).Change("30000");

        // Assert
        Assert.Contains("longer than the maximum of 7 days", inspector.Markup);
        Assert.Equal(1800, Session.Graph.FindNode("retrieve")!.Cache.TtlSeconds);
    }

    [Fact]
    public void TtlAmount_Valid_WritesSecondsInTheChosenUnit()
    {
        // Arrange: retrieve caches for 30 minutes.
        Session.Select(["retrieve"]);
        var inspector = Render<NodeInspector>();

        // Act
        TtlAmount(inspector).Change("45");

        // Assert
        Assert.Equal(new NodeCacheSettings(true, 45 * 60), Session.Graph.FindNode("retrieve")!.Cache);
    }

    [Theory]
    [InlineData("start", "It has no settings.")]
    [InlineData("clean", "Synonyms")]
    [InlineData("retrieve", "Minimum score")]
    [InlineData("template", "Available variables")]
    [InlineData("llm", "Temperature")]
    [InlineData("cache", "Match")]
    [InlineData("answer", "What the user receives")]
    public void Render_EachNodeType_ShowsItsOwnForm(string nodeId, string expectedText)
    {
        // Arrange
        Session.Select([nodeId]);
        RenderPopoverProvider();

        // Act
        var inspector = Render<NodeInspector>();

        // Assert
        Assert.Contains(expectedText, inspector.Markup);
        Assert.Contains("Cache results", inspector.Markup);
    }

    [Fact]
    public void TemplateVariable_Click_AppendsItToTheTemplateSetting()
    {
        // Arrange
        var sample = Session.Graph;
        Session.UpdateNode("template", n => n with { Settings = System.Text.Json.JsonDocument.Parse("""{ "template": "Context:" }""").RootElement.Clone() });
        Session.Select(["template"]);
        var inspector = Render<NodeInspector>();

        // Act
        var chip = inspector.FindAll("[data-testid=variables] .mud-chip").First(c => c.TextContent.Contains("{{ retrieve.context }}"));
        chip.Click();

        // Assert
        Assert.Equal("Context: {{ retrieve.context }}", Session.Graph.FindNode("template")!.Settings.GetProperty("template").GetString());
        Assert.NotSame(sample, Session.Graph);
    }

    [Fact]
    public void LlmForm_SystemPromptChanged_IsWrittenIntoSettingsKeepingTheOthers()
    {
        // Arrange
        Session.Select(["llm"]);
        var inspector = Render<NodeInspector>();

        // Act
        var field = inspector.FindAll("textarea").First(t => t.GetAttribute("value")?.Contains("customer-service") == true || t.TextContent.Contains("customer-service"));
        field.Change("Be brief.");

        // Assert
        var settings = Session.Graph.FindNode("llm")!.Settings;
        Assert.Equal("Be brief.", settings.GetProperty("systemPrompt").GetString());
        Assert.Equal("{{ template.text }}", settings.GetProperty("prompt").GetString());
        Assert.Equal(512, settings.GetProperty("maxTokens").GetInt32());
    }

    private static AngleSharp.Dom.IElement TtlAmount(IRenderedComponent<NodeInspector> inspector)
    {
        var element = inspector.Find("[data-testid=ttl-amount]");
        return element.TagName == "INPUT" ? element : element.QuerySelector("input")!;
    }
}
