using Blazor.Diagrams;
using Blazor.Diagrams.Core.Anchors;
using Blazor.Diagrams.Core.Geometry;
using WorkflowEngine.Graphs;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Tests.TestNodes;

namespace WorkflowStudio.Tests.Components.Designer;

public sealed class DiagramMapperTests
{
    private readonly DiagramMapper _mapper = new(EditorTestNodes.Registry());

    [Fact]
    public void ReadGraph_AfterSyncOfSampleBot_EqualsTheOriginalDocument()
    {
        // Arrange
        var graph = SampleWorkflows.FaqBot("kb-1");
        var diagram = DesignerRegistration.CreateDiagram();

        // Act
        _mapper.Sync(diagram, graph);
        var back = _mapper.ReadGraph(diagram, graph);

        // Assert
        Assert.Equal(WorkflowJson.Serialize(graph), WorkflowJson.Serialize(back));
    }

    [Fact]
    public void Sync_SampleBot_CreatesNodesPortsAndLinksWithTheirPorts()
    {
        // Arrange
        var graph = SampleWorkflows.FaqBot("kb-1");
        var diagram = DesignerRegistration.CreateDiagram();

        // Act
        _mapper.Sync(diagram, graph);

        // Assert: one model per node, at its layout position, with the card's texts.
        var models = diagram.Nodes.OfType<WorkflowNodeModel>().ToDictionary(m => m.NodeId);
        Assert.Equal(graph.Nodes.Select(n => n.Id).Order(), models.Keys.Order());
        foreach (var node in graph.Nodes)
        {
            var model = models[node.Id];
            Assert.Equal(node.Type, model.NodeType);
            Assert.Equal(node.Title, model.Title);
            Assert.Equal(graph.Layout[node.Id].X, model.Position.X);
            Assert.Equal(graph.Layout[node.Id].Y, model.Position.Y);
        }
        // Ports: start has no input, answer no output, the cache gate two named outputs.
        Assert.Null(models["start"].InputPort);
        Assert.DoesNotContain(models["answer"].WorkflowPorts, p => !p.IsInput);
        Assert.Equal(["hit", "miss"], models["cache"].WorkflowPorts.Where(p => !p.IsInput).Select(p => p.PortName));
        // Links: each edge once, between the right ports.
        Assert.Equal(graph.Edges.Length, diagram.Links.Count);
        var hit = Assert.Single(diagram.Links, l => DiagramMapper.ToEdge(l) == new Edge("cache", "answer", "hit"));
        var source = Assert.IsType<SinglePortAnchor>(hit.Source);
        var target = Assert.IsType<SinglePortAnchor>(hit.Target);
        Assert.Equal("hit", Assert.IsType<WorkflowPortModel>(source.Port).PortName);
        Assert.True(Assert.IsType<WorkflowPortModel>(target.Port).IsInput);
        Assert.Same(models["answer"], target.Port.Parent);
    }

    [Fact]
    public void Sync_CachingOnAndProblems_ShowBadgeSummaryAndProblemsOnTheCard()
    {
        // Arrange
        var graph = SampleWorkflows.FaqBot("kb-1");
        var diagram = DesignerRegistration.CreateDiagram();
        ValidationProblem[] problems = [new("x", "The prompt is empty.", "template")];

        // Act
        _mapper.Sync(diagram, graph, problems);

        // Assert
        var models = diagram.Nodes.OfType<WorkflowNodeModel>().ToDictionary(m => m.NodeId);
        Assert.Equal("30 min", models["retrieve"].CacheBadge);
        Assert.Equal("10 min", models["llm"].CacheBadge);
        Assert.Equal("1 h", models["cache"].CacheBadge);
        Assert.Null(models["template"].CacheBadge);
        Assert.Equal(["The prompt is empty."], models["template"].Problems);
        Assert.False(models["llm"].IsInvalid);
        Assert.Contains("kb-1", models["retrieve"].Summary);
    }

    [Fact]
    public void Sync_AfterEdits_UpdatesInPlaceAndRemovesWhatIsGone()
    {
        // Arrange
        var graph = SampleWorkflows.FaqBot("kb-1");
        var diagram = DesignerRegistration.CreateDiagram();
        _mapper.Sync(diagram, graph);
        var llm = diagram.Nodes.OfType<WorkflowNodeModel>().Single(m => m.NodeId == "llm");
        var edited = graph with
        {
            Nodes = graph.Nodes.RemoveAll(n => n.Id == "template").Replace(graph.FindNode("llm")!, graph.FindNode("llm")! with { Cache = new NodeCacheSettings(true, 60) }),
            Edges = graph.Edges.RemoveAll(e => e.From == "template" || e.To == "template"),
            Layout = graph.Layout.Remove("template").SetItem("llm", new NodePosition(500, 600)),
        };

        // Act
        _mapper.Sync(diagram, edited);

        // Assert: the same model object, moved and re-badged; the removed node and its links are gone.
        var llmAfter = diagram.Nodes.OfType<WorkflowNodeModel>().Single(m => m.NodeId == "llm");
        Assert.Same(llm, llmAfter);
        Assert.Equal(new Point(500, 600), llmAfter.Position);
        Assert.Equal("1 min", llmAfter.CacheBadge);
        Assert.DoesNotContain(diagram.Nodes.OfType<WorkflowNodeModel>(), m => m.NodeId == "template");
        Assert.Equal(edited.Edges.Length, diagram.Links.Count);
        Assert.Equal(WorkflowJson.Serialize(edited), WorkflowJson.Serialize(_mapper.ReadGraph(diagram, edited)));
    }

    [Fact]
    public void ReadGraph_NodeMovedAndLinkDrawnOnCanvas_ReturnsNewLayoutAndEdgeWithPort()
    {
        // Arrange
        var graph = SampleWorkflows.FaqBot("kb-1") is var g ? g with { Edges = g.Edges.RemoveAll(e => e.FromPort == "hit") } : null!;
        var diagram = DesignerRegistration.CreateDiagram();
        _mapper.Sync(diagram, graph);
        var models = diagram.Nodes.OfType<WorkflowNodeModel>().ToDictionary(m => m.NodeId);

        // Act: the user drags the answer node and draws cache(hit) → answer, input side first.
        models["answer"].SetPosition(900, 40);
        diagram.Links.Add(new WorkflowLinkModel(new SinglePortAnchor(models["answer"].InputPort!), new SinglePortAnchor(models["cache"].OutputPort("hit")!)));
        var back = _mapper.ReadGraph(diagram, graph);

        // Assert
        Assert.Equal(new NodePosition(900, 40), back.Layout["answer"]);
        Assert.Contains(new Edge("cache", "answer", "hit"), back.Edges);
        Assert.Equal(graph.Edges.Length + 1, back.Edges.Length);
    }

    [Fact]
    public void Sync_GraphWithoutLayout_PlacesNodesLeftToRightByDepth()
    {
        // Arrange
        var graph = SampleWorkflows.FaqBot("kb-1") with { Layout = System.Collections.Immutable.ImmutableDictionary<string, NodePosition>.Empty };
        var diagram = DesignerRegistration.CreateDiagram();

        // Act
        _mapper.Sync(diagram, graph);
        var back = _mapper.ReadGraph(diagram, graph);

        // Assert: every node has a position, no two overlap, and each edge runs left to right.
        Assert.Equal(graph.Nodes.Length, back.Layout.Count);
        var positions = back.Layout.Values.ToList();
        Assert.Equal(positions.Count, positions.Distinct().Count());
        Assert.All(graph.Edges, e => Assert.True(back.Layout[e.From].X < back.Layout[e.To].X, $"{e.From} → {e.To}"));
    }

    [Fact]
    public void ReadGraph_EdgeTheCanvasCannotDraw_IsKeptForValidation()
    {
        // Arrange: an edge to a node that does not exist (validation reports it; the editor must not drop it silently).
        var sample = SampleWorkflows.FaqBot("kb-1");
        var graph = sample with { Edges = sample.Edges.Add(new Edge("llm", "ghost")) };
        var diagram = DesignerRegistration.CreateDiagram();

        // Act
        _mapper.Sync(diagram, graph);
        var back = _mapper.ReadGraph(diagram, graph);

        // Assert
        Assert.Equal(sample.Edges.Length, diagram.Links.Count);
        Assert.Equal(WorkflowJson.Serialize(graph), WorkflowJson.Serialize(back));
    }
}
