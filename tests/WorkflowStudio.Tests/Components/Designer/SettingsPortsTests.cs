using System.Text.Json;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Components.Pages.Editor;

namespace WorkflowStudio.Tests.Components.Designer;

/// <summary>A node whose outputs follow its settings (the classify step) on the canvas and in the editor: ports drawn from the
/// descriptor, connections checked against them, and connections that follow a renamed output or go with a removed one.</summary>
public sealed class SettingsPortsTests
{
    private static readonly NodeRegistry Registry = new(NodeRegistry.Discover());
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void Sync_ClassifyStep_OnePortPerClassThenTheFallbackOnATallerCard()
    {
        // Arrange
        var diagram = DesignerRegistration.CreateDiagram();

        // Act
        new DiagramMapper(Registry).Sync(diagram, Routing(["orders", "account", "returns"]));

        // Assert
        var card = diagram.Nodes.OfType<WorkflowNodeModel>().Single(m => m.NodeId == "route");
        Assert.Equal(["orders", "account", "returns", "other"], card.OutputPortNames);
        Assert.Equal(WorkflowNodeModel.PortSpacing * 5, card.Size!.Height);
        var ports = card.WorkflowPorts.Where(p => !p.IsInput).ToList();
        Assert.Equal([24.0, 48, 72, 96], ports.Select(p => p.CentreY));
        Assert.Equal(60, card.InputPort!.CentreY);
        Assert.Equal(WorkflowNodeModel.CardHeight, diagram.Nodes.OfType<WorkflowNodeModel>().Single(m => m.NodeId == "orders").Size!.Height);
        Assert.Equal(7, diagram.Links.Count);
    }

    [Fact]
    public void UpdateNode_ClassRenamed_ConnectionLeavesFromTheNewNameAndTheCardRedrawsIt()
    {
        // Arrange
        var session = Session(Routing(["orders", "account"]));
        var diagram = DesignerRegistration.CreateDiagram();
        var mapper = new DiagramMapper(Registry);
        mapper.Sync(diagram, session.Graph);

        // Act
        session.UpdateNode("route", n => n with { Settings = Settings(["sales", "account"]) });
        mapper.Sync(diagram, session.Graph);

        // Assert
        Assert.Contains(new Edge("route", "orders", "sales"), session.Graph.Edges);
        Assert.DoesNotContain(session.Graph.Edges, e => e.FromPort == "orders");
        var card = diagram.Nodes.OfType<WorkflowNodeModel>().Single(m => m.NodeId == "route");
        Assert.Equal(["sales", "account", "other"], card.OutputPortNames);
        Assert.Single(diagram.Links, l => DiagramMapper.ToEdge(l) == new Edge("route", "orders", "sales"));
        Assert.Equal(5, diagram.Links.Count);
    }

    [Fact]
    public void UpdateNode_ClassRemoved_ItsConnectionGoesWithItAndUndoBringsBoth()
    {
        // Arrange
        var session = Session(Routing(["orders", "account"]));
        var before = session.Graph;

        // Act
        session.UpdateNode("route", n => n with { Settings = Settings(["account"]) });
        var after = session.Graph;
        session.Undo();

        // Assert
        Assert.DoesNotContain(after.Edges, e => e.To == "orders");
        Assert.Equal(before.Edges.Length - 1, after.Edges.Length);
        Assert.Same(before, session.Graph);
    }

    [Fact]
    public void UpdateNode_ClassesReorderedOrExamplesChanged_ConnectionsKeepTheirPorts()
    {
        // Arrange
        var session = Session(Routing(["orders", "account"]));
        var edges = session.Graph.Edges;

        // Act
        session.UpdateNode("route", n => n with { Settings = Settings(["account", "orders"], example: "Something else") });

        // Assert
        Assert.Equal(edges, session.Graph.Edges);
    }

    [Fact]
    public void Check_FromTheClassifyStep_OnlyFromOneOfItsCurrentOutputs()
    {
        // Arrange
        var rules = new ConnectionRules(Registry);
        var graph = Routing(["orders", "account"]);

        // Act
        var unnamed = rules.Check(graph, new Edge("route", "answer"));
        var gone = rules.Check(graph, new Edge("route", "answer", "returns"));
        var fallback = rules.Check(graph, new Edge("route", "answer", "other"));

        // Assert
        Assert.Equal("Connect from one of “Route”'s outputs: orders or account or other.", unnamed);
        Assert.Equal(unnamed, gone);
        Assert.Null(fallback);
    }

    private static EditorSession Session(WorkflowGraph graph)
    {
        var session = new EditorSession(Registry);
        session.Load("wf-1", graph, version: 1);
        return session;
    }

    private static JsonElement Settings(IReadOnlyList<string> classes, string example = "Where is my order?") =>
        JsonSerializer.SerializeToElement(new { classes = classes.Select(c => new { name = c, examples = new[] { example + " " + c } }) }, Web);

    /// <summary>start → route; each class's output → a template named after it → answer.</summary>
    private static WorkflowGraph Routing(IReadOnlyList<string> classes)
    {
        var nodes = new List<NodeDefinition>
        {
            new("start", NodeRegistry.KeyOf<StartNode>(), "Question", NodeDefinition.EmptySettings, NodeCacheSettings.Disabled),
            new("route", NodeRegistry.KeyOf<ClassifyNode>(), "Route", Settings(classes), NodeCacheSettings.Disabled),
            new("answer", NodeRegistry.KeyOf<AnswerNode>(), "Reply", JsonSerializer.SerializeToElement(new { template = "x" }), NodeCacheSettings.Disabled),
        };
        var edges = new List<Edge> { new("start", "route") };
        foreach (var c in classes)
        {
            nodes.Add(new(c, NodeRegistry.KeyOf<TemplateNode>(), c, JsonSerializer.SerializeToElement(new { template = c }), NodeCacheSettings.Disabled));
            edges.Add(new("route", c, c));
            edges.Add(new(c, "answer"));
        }
        return new WorkflowGraph { Name = "Routing", Nodes = [.. nodes], Edges = [.. edges] };
    }
}
