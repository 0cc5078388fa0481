using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;

namespace WorkflowEngine.Tests.Graphs;

public sealed class SampleWorkflowsTests
{
    [Fact]
    public void FaqBot_KnowledgeBase_HasTheAgreedPipeline()
    {
        // Act
        var graph = SampleWorkflows.FaqBot("kb-1");

        // Assert
        Assert.Equal(["start", "clean", "cache", "retrieve", "template", "llm", "answer"], graph.Nodes.Select(n => n.Id));
        Assert.All(graph.Nodes, n => Assert.Equal(n.Id, n.Type));
        Assert.Contains(new Edge("cache", "answer", "hit"), graph.Edges);
        Assert.Contains(new Edge("cache", "retrieve", "miss"), graph.Edges);
        Assert.Equal(["start→clean", "clean→cache", "cache→answer", "cache→retrieve", "retrieve→template", "template→llm", "llm→answer"],
            graph.Edges.Select(e => $"{e.From}→{e.To}"));
        Assert.Equal(new NodeCacheSettings(true, 1800), graph.FindNode("retrieve")!.Cache);
        Assert.Equal(new NodeCacheSettings(true, 600), graph.FindNode("llm")!.Cache);
        Assert.Equal(new NodeCacheSettings(true, 3600), graph.FindNode("cache")!.Cache);
        Assert.Equal("kb-1", graph.FindNode("retrieve")!.Settings.GetProperty("knowledgeBaseId").GetString());
    }

    [Fact]
    public void FaqBot_Layout_PlacesEveryNodeLeftToRight()
    {
        // Act
        var graph = SampleWorkflows.FaqBot("kb-1");

        // Assert
        Assert.All(graph.Nodes, n => Assert.True(graph.Layout.ContainsKey(n.Id), n.Id));
        Assert.All(graph.Edges, e => Assert.True(graph.Layout[e.From].X < graph.Layout[e.To].X, $"{e.From}→{e.To}"));
    }

    [Fact]
    public void FaqBot_OwnNodeSettings_PassValidationAndRoundTripThroughJson()
    {
        // Arrange
        var graph = SampleWorkflows.FaqBot("kb-1");

        // Act
        var reparsed = WorkflowJson.Parse(WorkflowJson.Serialize(graph));
        var templateProblems = new TemplateNode().ValidateSettings(graph.FindNode("template")!);
        var cleanProblems = new CleanNode().ValidateSettings(graph.FindNode("clean")!);
        var templateRefs = new TemplateNode().GetReferences(graph.FindNode("template")!);

        // Assert
        Assert.True(reparsed.Succeeded);
        Assert.Equal(graph.Nodes.Length, reparsed.Graph!.Nodes.Length);
        Assert.Empty(templateProblems);
        Assert.Empty(cleanProblems);
        Assert.Equal([new VariableReference("retrieve", "context", "template"), new VariableReference("start", "query", "template")], templateRefs);
        Assert.Contains("ONLY", SampleWorkflows.FaqPromptTemplate);
    }
}
