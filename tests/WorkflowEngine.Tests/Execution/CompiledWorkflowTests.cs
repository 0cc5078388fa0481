using System.Collections.Immutable;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Tests.TestNodes;
using static WorkflowEngine.Tests.Graphs.GraphBuilder;

namespace WorkflowEngine.Tests.Execution;

public sealed class CompiledWorkflowTests
{
    private static readonly GraphValidator Validator = new(GraphTestNodes.Registry());

    [Fact]
    public void Upstream_DiamondGraph_EveryAncestorOnceNearestFirst()
    {
        // Arrange: start → a → c, start → b → c, c → answer.
        var graph = Graph(
            [Node("start", "start"), Node("a", "echo"), Node("b", "echo"), Node("c", "echo"), Node("answer", "answer")],
            [Edge("start", "a"), Edge("start", "b"), Edge("a", "c"), Edge("b", "c"), Edge("c", "answer")]);
        var workflow = new CompiledWorkflow(graph);

        // Act
        var upstream = workflow.Upstream("answer").Select(n => n.Id).ToList();

        // Assert
        Assert.Equal(["c", "a", "b", "start"], upstream);
        Assert.Empty(workflow.Upstream("start"));
        Assert.Empty(workflow.Upstream("no-such-node"));
    }

    [Fact]
    public void Hash_LayoutAndTitlesChanged_SameHash_SettingsOrEdgesChanged_OtherHash()
    {
        // Arrange
        var graph = Chain(("start", "start"), ("a", "echo"), ("answer", "answer"));
        var moved = graph with
        {
            Layout = ImmutableDictionary<string, NodePosition>.Empty.Add("a", new NodePosition(10, 20)),
            Nodes = [.. graph.Nodes.Select(n => n.Id == "a" ? n with { Title = "Renamed" } : n)],
        };
        var edited = graph with { Nodes = [.. graph.Nodes.Select(n => n.Id == "a" ? Node("a", "echo", """{ "text": "other" }""") : n)] };
        var rewired = graph with { Edges = graph.Edges.Add(Edge("start", "answer")) };

        // Act
        var hash = new CompiledWorkflow(graph).Hash;

        // Assert
        Assert.Equal(hash, new CompiledWorkflow(moved).Hash);
        Assert.NotEqual(hash, new CompiledWorkflow(edited).Hash);
        Assert.NotEqual(hash, new CompiledWorkflow(rewired).Hash);
    }

    [Fact]
    public void KnowledgeBaseIds_StepsReadingKnowledgeBases_SortedOnce()
    {
        // Arrange
        var graph = Graph(
            [Node("start", "start"), Node("r1", "retrieve", """{ "knowledgeBaseId": "kb-b" }"""), Node("r2", "retrieve", """{ "knowledgeBaseId": "kb-a" }"""),
                Node("r3", "retrieve", """{ "knowledgeBaseId": "kb-b" }"""), Node("answer", "answer")],
            [Edge("start", "r1"), Edge("r1", "r2"), Edge("r2", "r3"), Edge("r3", "answer")]);

        // Act
        var ids = new CompiledWorkflow(graph).KnowledgeBaseIds;

        // Assert
        Assert.Equal(["kb-a", "kb-b"], ids.AsEnumerable());
    }

    [Fact]
    public void Problems_WithValidator_TheValidatorsProblems_WithoutOne_Empty()
    {
        // Arrange: an answer step nothing leads to.
        var graph = Graph([Node("start", "start"), Node("answer", "answer")], []);

        // Act
        var checkedProblems = new CompiledWorkflow(graph, Validator).Problems;
        var notValidated = new CompiledWorkflow(graph).Problems;

        // Assert
        Assert.Equal(Validator.Validate(graph).Select(p => p.Message), checkedProblems.Select(p => p.Message));
        Assert.NotEmpty(checkedProblems);
        Assert.Empty(notValidated);
    }

    [Fact]
    public void Compile_SameGraphInstanceTwice_OneCompiledForm_EqualGraphOtherInstance_AnotherForm()
    {
        // Arrange
        var compiler = new WorkflowCompiler(Validator);
        var graph = Chain(("start", "start"), ("answer", "answer"));
        var copy = graph with { };

        // Act
        var first = compiler.Compile(graph);
        var second = compiler.Compile(graph);
        var other = compiler.Compile(copy);

        // Assert
        Assert.Same(first, second);
        Assert.NotSame(first, other);
    }

    [Fact]
    public void Memo_TwoOwners_EachBuildsOnceAndKeepsItsOwn()
    {
        // Arrange
        var workflow = new CompiledWorkflow(Chain(("start", "start"), ("answer", "answer")));
        object ownerA = new(), ownerB = new();
        var builds = 0;

        // Act
        var a1 = workflow.Memo(ownerA, w => { builds++; return new List<string> { "a", w.Graph.Name }; });
        var a2 = workflow.Memo(ownerA, _ => { builds++; return new List<string> { "never" }; });
        var b = workflow.Memo(ownerB, _ => { builds++; return new List<string> { "b" }; });

        // Assert
        Assert.Same(a1, a2);
        Assert.Equal(["a", "test"], a1);
        Assert.Equal(["b"], b);
        Assert.Equal(2, builds);
    }
}
