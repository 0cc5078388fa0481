using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Components.Inspector;
using WorkflowStudio.Components.Pages.Editor;
using Edge = WorkflowEngine.Graphs.Edge;

namespace WorkflowStudio.Tests.Components.Inspector;

/// <summary>The classify step's form in the real inspector and editor session (with the engine's built-in embedding model
/// behind its trial box).</summary>
public sealed class ClassifySettingsTests : StudioTestContext
{
    protected override void ConfigureServices(IServiceCollection services)
    {
        UseStudioDatabase();
        services.AddWorkflowEditor();
    }

    [Fact]
    public void AddClass_NameAndExamplesTyped_WrittenIntoTheSettingsOnePhrasePerLine()
    {
        // Arrange
        var session = Load(new { classes = new[] { new { name = "orders", examples = new[] { "Where is my order?" } } } });
        var inspector = RenderInspector();

        // Act
        inspector.Find("[data-testid=classify-add-class]").Click();
        inspector.FindAll("[data-testid=classify-class-name] input, input[data-testid=classify-class-name]")[1].Change("account");
        inspector.FindAll("[data-testid=classify-class-examples] textarea, textarea[data-testid=classify-class-examples]")[1]
            .Change("I forgot my password\n\n  How do I delete my account?  \n");

        // Assert
        var classes = Classes(session);
        Assert.Equal(["orders", "account"], classes.Select(c => c.Name));
        Assert.Equal(["I forgot my password", "How do I delete my account?"], classes[1].Examples);
        Assert.Equal(["Where is my order?"], classes[0].Examples);
        Assert.Equal(2, inspector.FindAll("[data-testid=classify-class]").Count);
    }

    [Fact]
    public void AddClass_OnANewStep_NamedClassOneAndItsOutputIsOnTheCard()
    {
        // Arrange
        var session = Load(new { });
        var inspector = RenderInspector();

        // Act
        inspector.Find("[data-testid=classify-add-class]").Click();
        inspector.Find("[data-testid=classify-add-class]").Click();

        // Assert
        Assert.Equal(["class 1", "class 2"], Classes(session).Select(c => c.Name));
        var descriptor = Service<NodeRegistry>().Find(NodeRegistry.KeyOf<ClassifyNode>())!;
        Assert.Equal(["class 1", "class 2", "other"], descriptor.OutputPortsOf(session.Graph.FindNode("route")!));
    }

    [Fact]
    public void RemoveClass_ItsConnectionGoesWithItAndTheOtherClassStays()
    {
        // Arrange
        var session = Load(new
        {
            classes = new[] { new { name = "orders", examples = new[] { "Where is my order?" } }, new { name = "account", examples = new[] { "I forgot my password" } } },
        });
        var inspector = RenderInspector();

        // Act
        inspector.FindAll("[data-testid=classify-remove-class]")[0].Click();

        // Assert
        Assert.Equal(["account"], Classes(session).Select(c => c.Name));
        Assert.DoesNotContain(session.Graph.Edges, e => e.From == "route" && e.FromPort == "orders");
        Assert.Contains(session.Graph.Edges, e => e.From == "route" && e.FromPort == "account");
        Assert.Single(inspector.FindAll("[data-testid=classify-class]"));
    }

    [Fact]
    public void RenameClass_ItsConnectionFollows()
    {
        // Arrange
        var session = Load(new
        {
            classes = new[] { new { name = "orders", examples = new[] { "Where is my order?" } }, new { name = "account", examples = new[] { "I forgot my password" } } },
        });
        var inspector = RenderInspector();

        // Act
        inspector.FindAll("[data-testid=classify-class-name] input, input[data-testid=classify-class-name]")[0].Change(" deliveries ");

        // Assert
        Assert.Equal(["deliveries", "account"], Classes(session).Select(c => c.Name));
        Assert.Contains(new Edge("route", "orders-branch", "deliveries"), session.Graph.Edges);
    }

    [Fact]
    public void FallbackConfidenceAndModelSwitch_Changed_WrittenIntoTheSettings()
    {
        // Arrange
        var session = Load(new { });
        var inspector = RenderInspector();
        var slider = inspector.FindComponent<MudSlider<double>>();

        // Act
        inspector.Find("[data-testid=classify-fallback] input, input[data-testid=classify-fallback]").Change("human");
        inspector.InvokeAsync(() => slider.Instance.ValueChanged.InvokeAsync(0.5));
        inspector.Find("[data-testid=classify-use-model] input").Change(true);

        // Assert
        var settings = session.Graph.FindNode("route")!.Settings;
        Assert.Equal("human", settings.GetProperty("fallback").GetString());
        Assert.Equal(0.5, settings.GetProperty("minConfidence").GetDouble());
        Assert.True(settings.GetProperty("useModel").GetBoolean());
        Assert.Contains("Confidence needed: 0.50", inspector.Find("[data-testid=classify-confidence]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_DefaultConfidence_IsTheEnginesAndSaysRecommended()
    {
        // Arrange
        Load(new { });

        // Act
        var inspector = RenderInspector();

        // Assert
        var text = inspector.Find("[data-testid=classify-confidence]").TextContent;
        Assert.Contains($"Confidence needed: {ClassifyNode.DefaultMinConfidence:0.00} (recommended)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TryAQuestion_OrderQuestion_GoesToOrdersWithItsConfidence()
    {
        // Arrange
        Load(new
        {
            classes = new[]
            {
                new { name = "orders", examples = new[] { "Where is my order?", "When will my parcel arrive?" } },
                new { name = "account", examples = new[] { "I forgot my password", "How do I delete my account?" } },
            },
        });
        var inspector = RenderInspector();

        // Act
        inspector.Find("[data-testid=classify-try-question] input, input[data-testid=classify-try-question]").Input("My parcel hasn't arrived yet");
        inspector.Find("[data-testid=classify-try-button]").Click();

        // Assert
        var result = inspector.WaitForElement("[data-testid=classify-try-result]", TimeSpan.FromSeconds(30));
        Assert.StartsWith("→ orders (confidence 0.", result.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains("account 0.", result.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void TryAQuestion_NothingLikeTheExamples_GoesToTheFallbackAndSaysWhy()
    {
        // Arrange
        Load(new { classes = new[] { new { name = "orders", examples = new[] { "Where is my order?" } } }, fallback = "human" });
        var inspector = RenderInspector();

        // Act
        inspector.Find("[data-testid=classify-try-question] input, input[data-testid=classify-try-question]").Input("Tell me a joke about penguins");
        inspector.Find("[data-testid=classify-try-button]").Click();

        // Assert
        var result = inspector.WaitForElement("[data-testid=classify-try-result]", TimeSpan.FromSeconds(30));
        Assert.StartsWith("→ human: the nearest class, orders, is at 0.", result.TextContent.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void AddNode_FromThePalette_LogicGroupAndTheCardHasOnlyTheFallbackOutput()
    {
        // Arrange
        var session = Service<EditorSession>();
        session.Load("wf-1", SampleWorkflows.FaqBot("kb-1"), version: 1);
        var descriptor = Service<NodeRegistry>().Find(NodeRegistry.KeyOf<ClassifyNode>())!;

        // Act
        var id = session.AddNode(descriptor.Key, new NodePosition(0, 0));
        var diagram = DesignerRegistration.CreateDiagram();
        Service<DiagramMapper>().Sync(diagram, session.Graph, []);

        // Assert
        Assert.Equal("Logic", descriptor.Metadata.Category);
        Assert.Equal(3600, session.Graph.FindNode(id)!.Cache.TtlSeconds);
        var card = diagram.Nodes.OfType<WorkflowNodeModel>().Single(m => m.NodeId == id);
        Assert.Equal("No classes yet", card.Summary);
        Assert.Equal(["other"], card.OutputPortNames);
    }

    private static List<ClassifyNode.QuestionClass> Classes(EditorSession session) =>
        session.Graph.FindNode("route")!.Settings.GetProperty("classes").Deserialize<List<ClassifyNode.QuestionClass>>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    /// <summary>The sample bot with a classify step after start whose "orders" and "account" outputs lead to a template each.</summary>
    private EditorSession Load(object classifySettings)
    {
        var graph = SampleWorkflows.FaqBot("kb-1");
        var route = new NodeDefinition("route", NodeRegistry.KeyOf<ClassifyNode>(), "Route", JsonSerializer.SerializeToElement(classifySettings), NodeCacheSettings.Disabled);
        var orders = new NodeDefinition("orders-branch", NodeRegistry.KeyOf<TemplateNode>(), "Orders", JsonSerializer.SerializeToElement(new { template = "o" }), NodeCacheSettings.Disabled);
        var account = new NodeDefinition("account-branch", NodeRegistry.KeyOf<TemplateNode>(), "Account", JsonSerializer.SerializeToElement(new { template = "a" }), NodeCacheSettings.Disabled);
        graph = graph with
        {
            Nodes = graph.Nodes.AddRange(new[] { route, orders, account }),
            Edges = graph.Edges.AddRange(new[] { new Edge("start", "route"), new Edge("route", "orders-branch", "orders"), new Edge("route", "account-branch", "account") }),
        };
        var session = Service<EditorSession>();
        session.Load("wf-1", graph, version: 1);
        session.Select(["route"]);
        return session;
    }

    private IRenderedComponent<NodeInspector> RenderInspector()
    {
        Render<MudPopoverProvider>();
        return Render<NodeInspector>();
    }
}
