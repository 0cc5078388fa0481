using WorkflowEngine.Graphs;
using static WorkflowEngine.Tests.Graphs.GraphBuilder;

namespace WorkflowEngine.Tests.Graphs;

public sealed class ExecutionPlanTests
{
    [Fact]
    public void Create_NodesListedOutOfOrder_OrdersEveryNodeAfterItsPredecessors()
    {
        // Arrange: answer listed first, start last; the diamond b/c joins at d.
        var graph = Graph(
            [Node("d", "answer"), Node("c", "x"), Node("b", "x"), Node("a", "start")],
            [Edge("a", "b"), Edge("a", "c"), Edge("b", "d"), Edge("c", "d")]);

        // Act
        var plan = ExecutionPlan.Create(graph);

        // Assert: ties (b, c) keep document order, where c comes before b.
        Assert.Equal(["a", "c", "b", "d"], plan.Order);
    }

    [Fact]
    public void Create_SameGraphTwice_GivesTheSameOrder()
    {
        // Arrange
        var graph = Graph(
            [Node("s", "start"), Node("x", "x"), Node("y", "x"), Node("z", "x"), Node("e", "answer")],
            [Edge("s", "z"), Edge("s", "y"), Edge("s", "x"), Edge("x", "e"), Edge("y", "e"), Edge("z", "e")]);

        // Act
        var first = ExecutionPlan.Create(graph).Order;
        var second = ExecutionPlan.Create(graph with { }).Order;

        // Assert
        Assert.Equal(["s", "x", "y", "z", "e"], first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void IncomingAndOutgoing_GatePorts_KeepPortsOnEdges()
    {
        // Arrange
        var graph = Graph(
            [Node("start", "start"), Node("cache", "cache"), Node("llm", "x"), Node("answer", "answer")],
            [Edge("start", "cache"), Edge("cache", "answer", fromPort: "hit"), Edge("cache", "llm", fromPort: "miss"), Edge("llm", "answer")]);

        // Act
        var plan = ExecutionPlan.Create(graph);

        // Assert
        Assert.Equal([Edge("cache", "answer", "hit"), Edge("cache", "llm", "miss")], plan.Outgoing("cache"));
        Assert.Equal([Edge("cache", "answer", "hit"), Edge("llm", "answer")], plan.Incoming("answer"));
        Assert.Empty(plan.Incoming("start"));
        Assert.Empty(plan.Outgoing("answer"));
        Assert.Equal(["cache", "llm"], plan.Predecessors("answer"));
        Assert.Equal(["answer", "llm"], plan.Successors("cache"));
    }

    [Fact]
    public void Ancestors_Chain_ContainsEveryUpstreamNodeButNotItself()
    {
        // Arrange
        var graph = Graph(
            [Node("s", "start"), Node("a", "x"), Node("b", "x"), Node("side", "x"), Node("e", "answer")],
            [Edge("s", "a"), Edge("a", "b"), Edge("b", "e"), Edge("s", "side")]);

        // Act
        var plan = ExecutionPlan.Create(graph);

        // Assert
        Assert.Equal(new HashSet<string> { "s", "a", "b" }, plan.Ancestors("e").ToHashSet());
        Assert.Empty(plan.Ancestors("s"));
        Assert.DoesNotContain("side", plan.Ancestors("e"));
    }

    [Fact]
    public void Descendants_FromPort_FollowsOnlyThatPortFirst()
    {
        // Arrange
        var graph = Graph(
            [Node("start", "start"), Node("cache", "cache"), Node("retrieve", "x"), Node("llm", "x"), Node("answer", "answer")],
            [Edge("start", "cache"), Edge("cache", "answer", "hit"), Edge("cache", "retrieve", "miss"), Edge("retrieve", "llm"), Edge("llm", "answer")]);
        var plan = ExecutionPlan.Create(graph);

        // Act
        var onMiss = plan.Descendants("cache", "miss");
        var onHit = plan.Descendants("cache", "hit");

        // Assert
        Assert.Equal(new HashSet<string> { "retrieve", "llm", "answer" }, onMiss.ToHashSet());
        Assert.Equal(new HashSet<string> { "answer" }, onHit.ToHashSet());
    }

    [Fact]
    public void Create_Cycle_ThrowsNamingTheLoopNodes()
    {
        // Arrange
        var graph = Graph(
            [Node("s", "start"), Node("a", "x"), Node("b", "x"), Node("c", "x"), Node("e", "answer")],
            [Edge("s", "a"), Edge("a", "b"), Edge("b", "c"), Edge("c", "a"), Edge("c", "e")]);

        // Act
        var ex = Assert.Throws<WorkflowCycleException>(() => ExecutionPlan.Create(graph));

        // Assert
        Assert.Equal(["a", "b", "c"], Assert.Single(ex.Cycles));
        Assert.Contains("'a' → 'b' → 'c' → 'a'", ex.Message);
    }

    [Fact]
    public void FindCycles_TwoLoopsAndASelfLoop_ReportsEachOnce()
    {
        // Arrange
        var graph = Graph(
            [Node("s", "start"), Node("a", "x"), Node("b", "x"), Node("c", "x"), Node("d", "x"), Node("self", "x")],
            [Edge("s", "a"), Edge("a", "b"), Edge("b", "a"), Edge("s", "c"), Edge("c", "d"), Edge("d", "c"), Edge("s", "self"), Edge("self", "self")]);

        // Act
        var cycles = ExecutionPlan.FindCycles(graph);

        // Assert
        Assert.Equal(3, cycles.Count);
        Assert.Equal(["a", "b"], cycles[0]);
        Assert.Equal(["c", "d"], cycles[1]);
        Assert.Equal(["self"], cycles[2]);
    }

    [Fact]
    public void TryCreate_AcyclicGraph_ReturnsPlanAndNoCycles()
    {
        // Arrange
        var graph = Chain(("s", "start"), ("a", "x"), ("e", "answer"));

        // Act
        var ok = ExecutionPlan.TryCreate(graph, out var plan, out var cycles);

        // Assert
        Assert.True(ok);
        Assert.NotNull(plan);
        Assert.Empty(cycles);
        Assert.Equal(["s", "a", "e"], plan.Order);
        Assert.Equal(1, plan.PositionOf("a"));
    }

    [Fact]
    public void Create_EdgeToMissingNode_IgnoresThatEdge()
    {
        // Arrange
        var graph = Graph([Node("s", "start"), Node("e", "answer")], [Edge("s", "e"), Edge("s", "ghost"), Edge("ghost", "e")]);

        // Act
        var plan = ExecutionPlan.Create(graph);

        // Assert
        Assert.Equal(["s", "e"], plan.Order);
        Assert.Equal([Edge("s", "e")], plan.Incoming("e"));
    }

    [Fact]
    public void Incoming_UnknownNode_ThrowsPlainMessage()
    {
        // Arrange
        var plan = ExecutionPlan.Create(Chain(("s", "start"), ("e", "answer")));

        // Act
        var ex = Assert.Throws<KeyNotFoundException>(() => plan.Incoming("nope"));

        // Assert
        Assert.Equal("The workflow has no node 'nope'.", ex.Message);
    }
}
