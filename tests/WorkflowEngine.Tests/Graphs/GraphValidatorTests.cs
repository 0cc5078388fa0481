using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Tests.TestNodes;
using static WorkflowEngine.Tests.Graphs.GraphBuilder;

namespace WorkflowEngine.Tests.Graphs;

public sealed class GraphValidatorTests
{
    private readonly GraphValidator _validator = new(GraphTestNodes.Registry());

    /// <summary>start → text → gate; gate(hit) → answer; gate(miss) → lookup → answer. Valid.</summary>
    private static WorkflowGraph ValidGraph() => Graph(
        [
            Node("start", "start"),
            Node("text", "text", """{ "template": "Q: {{ start.query }}" }"""),
            Node("gate", "gate", """{ "input": "{{ text.text }}" }""", new NodeCacheSettings(true, 3600)),
            Node("lookup", "lookup", """{ "knowledgeBaseId": "kb1", "topK": 3, "query": "{{ text.text }}" }""", new NodeCacheSettings(true, 1800)),
            Node("answer", "answer", """{ "template": "{{ lookup.context }}" }"""),
        ],
        [Edge("start", "text"), Edge("text", "gate"), Edge("gate", "answer", "hit"), Edge("gate", "lookup", "miss"), Edge("lookup", "answer")]);

    private static WorkflowGraph Replace(WorkflowGraph graph, NodeDefinition node) =>
        graph with { Nodes = [.. graph.Nodes.Select(n => n.Id == node.Id ? node : n)] };

    [Fact]
    public void Validate_ValidGraph_ReturnsNoProblems()
    {
        // Arrange
        var graph = ValidGraph();

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        Assert.Empty(problems);
        Assert.True(_validator.IsValid(graph));
        Assert.Equal(5, ExecutionPlan.Create(graph).Order.Count);
    }

    [Fact]
    public void Validate_NoStartNode_ReportsOnlyThatNotEveryNodeUnreachable()
    {
        // Arrange
        var graph = Chain(("text", "text"), ("answer", "answer"));

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        var problem = Assert.Single(problems, p => p.Code == ProblemCodes.NoStartNode);
        Assert.Null(problem.NodeId);
        Assert.Contains("no start node", problem.Message);
        Assert.DoesNotContain(problems, p => p.Code == ProblemCodes.UnreachableNode);
    }

    [Fact]
    public void Validate_TwoStartNodes_ReportsTheSecondByIdAndPath()
    {
        // Arrange
        var graph = ValidGraph() is var g ? g with { Nodes = g.Nodes.Add(Node("start2", "start")), Edges = g.Edges.Add(Edge("start2", "text")) } : g;

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        var problem = Assert.Single(problems);
        Assert.Equal(ProblemCodes.SeveralStartNodes, problem.Code);
        Assert.Equal("start2", problem.NodeId);
        Assert.Equal("$.nodes[5]", problem.Path);
        Assert.Contains("'start', 'start2'", problem.Message);
    }

    [Fact]
    public void Validate_NoAnswerNode_ReportsNoAnswer()
    {
        // Arrange
        var graph = Chain(("start", "start"), ("text", "text"));

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        var problem = Assert.Single(problems);
        Assert.Equal(ProblemCodes.NoAnswerNode, problem.Code);
        Assert.Contains("no answer node", problem.Message);
    }

    [Fact]
    public void Validate_Cycle_NamesTheNodesOfTheLoop()
    {
        // Arrange: text → gate → lookup → text
        var graph = ValidGraph() is var g ? g with { Edges = g.Edges.Add(Edge("lookup", "text")) } : g;

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        var problem = Assert.Single(problems);
        Assert.Equal(ProblemCodes.Cycle, problem.Code);
        Assert.Equal("text", problem.NodeId);
        Assert.Contains("'text' → 'gate' → 'lookup' → 'text'", problem.Message);
        Assert.False(ExecutionPlan.TryCreate(graph, out _, out _));
    }

    [Fact]
    public void Validate_CycleOfTitledSteps_NamesThemAsTheCanvasShowsThem()
    {
        // Arrange: the sample bot with a connection from the answer-writing step back to the search.
        var sample = SampleWorkflows.FaqBot("kb");
        var graph = sample with { Edges = sample.Edges.Add(new Edge("llm", "retrieve")) };

        // Act
        var problem = Assert.Single(_validator.Validate(graph), p => p.Code == ProblemCodes.Cycle);

        // Assert
        Assert.Contains("'Search the help centre' → 'Build the prompt' → 'Write the answer' → 'Search the help centre'", problem.Message);
    }

    [Fact]
    public void Validate_NodeConnectedToItself_ReportsCycle()
    {
        // Arrange
        var graph = ValidGraph() is var g ? g with { Edges = g.Edges.Add(Edge("text", "text")) } : g;

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        var problem = Assert.Single(problems);
        Assert.Equal(ProblemCodes.Cycle, problem.Code);
        Assert.Contains("connected to itself", problem.Message);
    }

    [Fact]
    public void Validate_EdgeToMissingNode_ReportsDanglingEdgeWithPath()
    {
        // Arrange
        var graph = ValidGraph() is var g ? g with { Edges = g.Edges.Add(Edge("lookup", "ghost")) } : g;

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        var problem = Assert.Single(problems);
        Assert.Equal(ProblemCodes.MissingNode, problem.Code);
        Assert.Equal("lookup", problem.NodeId);
        Assert.Equal("$.edges[5]", problem.Path);
        Assert.Contains("there is no node 'ghost'", problem.Message);
    }

    [Fact]
    public void Validate_EdgeFromMissingNode_ReportsDanglingEdge()
    {
        // Arrange
        var graph = ValidGraph() is var g ? g with { Edges = g.Edges.Add(Edge("ghost", "answer")) } : g;

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        var problem = Assert.Single(problems);
        Assert.Equal(ProblemCodes.MissingNode, problem.Code);
        Assert.Equal("answer", problem.NodeId);
        Assert.Contains("there is no node 'ghost'", problem.Message);
    }

    [Fact]
    public void Validate_EdgeBetweenTwoMissingNodes_ReportsBoth()
    {
        // Arrange
        var graph = ValidGraph() is var g ? g with { Edges = g.Edges.Add(Edge("ghost", "phantom")) } : g;

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.MissingNode, problem.Code);
        Assert.Null(problem.NodeId);
        Assert.Contains("neither 'ghost' nor 'phantom' exists", problem.Message);
    }

    [Fact]
    public void Validate_UnknownOutputPort_ReportsUnknownPortListingTheRealOnes()
    {
        // Arrange
        var graph = ValidGraph() is var g ? g with { Edges = g.Edges.SetItem(3, Edge("gate", "lookup", "maybe")) } : g;

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        var problem = Assert.Single(problems, p => p.Code == ProblemCodes.UnknownPort);
        Assert.Equal("gate", problem.NodeId);
        Assert.Equal("$.edges[3].fromPort", problem.Path);
        Assert.Contains("'hit' or 'miss'", problem.Message);
    }

    [Fact]
    public void Validate_EdgeFromGateWithoutPort_ReportsPortRequired()
    {
        // Arrange
        var graph = ValidGraph() is var g ? g with { Edges = g.Edges.SetItem(3, Edge("gate", "lookup")) } : g;

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.PortRequired, problem.Code);
        Assert.Equal("gate", problem.NodeId);
    }

    [Fact]
    public void Validate_PortOnSingleOutputNode_ReportsUnknownPort()
    {
        // Arrange
        var graph = ValidGraph() is var g ? g with { Edges = g.Edges.SetItem(0, Edge("start", "text", "out")) } : g;

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.UnknownPort, problem.Code);
        Assert.Equal("start", problem.NodeId);
        Assert.Contains("only one output", problem.Message);
    }

    [Fact]
    public void Validate_EdgeIntoStartNode_ReportsUnknownPort()
    {
        // Arrange: text → start would also make a loop; use a side node so only the port rule fires.
        var graph = ValidGraph() is var g
            ? g with { Nodes = g.Nodes.Add(Node("side", "text")), Edges = g.Edges.Add(Edge("start", "side")).Add(Edge("side", "start")) }
            : g;

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        Assert.Contains(problems, p => p.Code == ProblemCodes.UnknownPort && p.NodeId == "start" && p.Message.Contains("has no input"));
    }

    [Fact]
    public void Validate_EdgeOutOfAnswerNode_ReportsUnknownPort()
    {
        // Arrange
        var graph = ValidGraph() is var g
            ? g with { Nodes = g.Nodes.Add(Node("after", "text")), Edges = g.Edges.Add(Edge("answer", "after")) }
            : g;

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.UnknownPort, problem.Code);
        Assert.Equal("answer", problem.NodeId);
        Assert.Contains("has no output", problem.Message);
    }

    [Theory]
    [InlineData("in", true)]
    [InlineData("", true)]
    [InlineData("left", false)]
    public void Validate_ToPort_AcceptsOnlyTheSingleInput(string toPort, bool valid)
    {
        // Arrange
        var graph = ValidGraph() is var g ? g with { Edges = g.Edges.SetItem(0, Edge("start", "text", toPort: toPort)) } : g;

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        if (valid)
        {
            Assert.Empty(problems);
        }
        else
        {
            var problem = Assert.Single(problems);
            Assert.Equal(ProblemCodes.UnknownPort, problem.Code);
            Assert.Equal("$.edges[0].toPort", problem.Path);
        }
    }

    [Fact]
    public void Validate_NodeWithNoPathFromStart_ReportsUnreachable()
    {
        // Arrange: "orphan" feeds the answer but nothing leads to it.
        var graph = ValidGraph() is var g
            ? g with { Nodes = g.Nodes.Add(Node("orphan", "text", """{ "template": "hello" }""")), Edges = g.Edges.Add(Edge("orphan", "answer")) }
            : g;

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.UnreachableNode, problem.Code);
        Assert.Equal("orphan", problem.NodeId);
        Assert.Equal("$.nodes[5]", problem.Path);
        Assert.Contains("can never run", problem.Message);
    }

    [Fact]
    public void Validate_DuplicateNodeIds_ReportsTheSecond()
    {
        // Arrange
        var graph = ValidGraph() is var g ? g with { Nodes = g.Nodes.Add(Node("text", "text")) } : g;

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.DuplicateNodeId, problem.Code);
        Assert.Equal("text", problem.NodeId);
        Assert.Equal("$.nodes[5].id", problem.Path);
    }

    [Fact]
    public void Validate_MissingRequiredSetting_ReportsTheNodeTypesMessage()
    {
        // Arrange
        var graph = Replace(ValidGraph(), Node("lookup", "lookup", """{ "knowledgeBaseId": "", "topK": 0, "query": "{{ text.text }}" }"""));

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.Equal(ProblemCodes.InvalidSetting, p.Code));
        Assert.All(problems, p => Assert.Equal("lookup", p.NodeId));
        Assert.Contains(problems, p => p.Message == "Node 'lookup': Choose a knowledge base to search.");
        Assert.Contains(problems, p => p.Message == "Node 'lookup': Top K must be at least 1.");
    }

    [Fact]
    public void Validate_SettingOfWrongKind_ReportsPathInsteadOfThrowing()
    {
        // Arrange
        var graph = Replace(ValidGraph(), Node("lookup", "lookup", """{ "knowledgeBaseId": "kb1", "topK": "three" }"""));

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.MalformedSettings, problem.Code);
        Assert.Equal("lookup", problem.NodeId);
        Assert.Equal("$.nodes[3].settings.topK", problem.Path);
        Assert.Equal("Node 'lookup': the setting 'topK' should be a whole number, but it is the text \"three\".", problem.Message);
        Assert.DoesNotContain("   at ", problem.Message);
    }

    [Fact]
    public void Validate_SettingUsesNodeThatDoesNotExist_ReportsUnknownTemplateNode()
    {
        // Arrange
        var graph = Replace(ValidGraph(), Node("text", "text", """{ "template": "{{ nobody.text }}" }"""));

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.UnknownTemplateNode, problem.Code);
        Assert.Equal("text", problem.NodeId);
        Assert.Equal("$.nodes[1].settings.template", problem.Path);
        Assert.Contains("{{ nobody.text }}", problem.Message);
        Assert.Contains("there is no node 'nobody'", problem.Message);
    }

    [Fact]
    public void Validate_SettingUsesDownstreamNode_ReportsNotUpstream()
    {
        // Arrange: text runs before lookup, so it cannot read lookup.context.
        var graph = Replace(ValidGraph(), Node("text", "text", """{ "template": "{{ lookup.context }}" }"""));

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.TemplateNodeNotUpstream, problem.Code);
        Assert.Contains("'lookup' does not run before it", problem.Message);
    }

    [Fact]
    public void Validate_SettingUsesDownstreamNodeWithATitle_NamesItByItsTitle()
    {
        // Arrange: as above, the downstream step named as the user sees it on the canvas
        var graph = ValidGraph() is var g
            ? Replace(g with { Nodes = g.Nodes.Select(n => n.Id == "lookup" ? n with { Title = "Search the help centre" } : n).ToImmutableArray() },
                Node("text", "text", """{ "template": "{{ lookup.context }}" }"""))
            : g;

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Contains("node 'Search the help centre' (lookup) does not run before it", problem.Message);
    }

    [Fact]
    public void Validate_SettingUsesItsOwnOutput_ReportsNotUpstream()
    {
        // Arrange
        var graph = Replace(ValidGraph(), Node("text", "text", """{ "template": "{{ text.text }}" }"""));

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.TemplateNodeNotUpstream, problem.Code);
        Assert.Contains("cannot use its own output", problem.Message);
    }

    [Fact]
    public void Validate_SettingUsesOutputTheTypeDoesNotHave_ReportsUnknownOutputListingRealOnes()
    {
        // Arrange
        var graph = Replace(ValidGraph(), Node("answer", "answer", """{ "template": "{{ lookup.ctx }}" }"""));

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.UnknownTemplateOutput, problem.Code);
        Assert.Equal("answer", problem.NodeId);
        Assert.Contains("no output 'ctx'", problem.Message);
        Assert.Contains("it provides context, found", problem.Message);
    }

    [Fact]
    public void Validate_SettingUsesAncestorSeveralStepsUp_IsAccepted()
    {
        // Arrange
        var graph = Replace(ValidGraph(), Node("answer", "answer", """{ "template": "{{ start.query }} / {{ gate.answer }} / {{ lookup.found }}" }"""));

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(NodeCacheSettings.MaxTtlSeconds + 1)]
    [InlineData(int.MaxValue)]
    public void Validate_CachingWithTtlOutOfRange_ReportsInvalidTtl(int ttl)
    {
        // Arrange
        var graph = Replace(ValidGraph(), Node("lookup", "lookup", """{ "knowledgeBaseId": "kb1", "query": "{{ text.text }}" }""", new NodeCacheSettings(true, ttl)));

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.InvalidTtl, problem.Code);
        Assert.Equal("lookup", problem.NodeId);
        Assert.Equal("$.nodes[3].cache.ttlSeconds", problem.Path);
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, -1)]
    [InlineData(true, 1)]
    [InlineData(true, NodeCacheSettings.MaxTtlSeconds)]
    public void Validate_TtlWithinRangeOrCachingOff_IsAccepted(bool enabled, int ttl)
    {
        // Arrange
        var graph = Replace(ValidGraph(), Node("lookup", "lookup", """{ "knowledgeBaseId": "kb1", "query": "{{ text.text }}" }""", new NodeCacheSettings(enabled, ttl)));

        // Act
        var problems = _validator.Validate(graph);

        // Assert
        Assert.Empty(problems);
    }

    [Fact]
    public void Validate_UnknownNodeType_ReportsTypeAndKnownTypes()
    {
        // Arrange
        var graph = Replace(ValidGraph(), Node("text", "translate"));

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.UnknownNodeType, problem.Code);
        Assert.Equal("text", problem.NodeId);
        Assert.Equal("$.nodes[1].type", problem.Path);
        Assert.Contains("'translate'", problem.Message);
        Assert.Contains("answer, clock, gate, lookup, start, text", problem.Message);
    }

    [Theory]
    [InlineData(2, "schemaVersion 2")]
    [InlineData(0, "no schemaVersion")]
    [InlineData(-1, "no schemaVersion")]
    public void Validate_UnsupportedSchemaVersion_ReportsVersion(int version, string expected)
    {
        // Arrange
        var graph = ValidGraph() with { SchemaVersion = version };

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.UnsupportedSchemaVersion, problem.Code);
        Assert.Equal("$.schemaVersion", problem.Path);
        Assert.Contains(expected, problem.Message);
    }

    [Fact]
    public void Validate_ManyProblems_ReturnsEveryOneAtOnceGraphLevelFirst()
    {
        // Arrange
        var graph = new WorkflowGraph
        {
            SchemaVersion = 9,
            Nodes =
            [
                Node("a", "text", """{ "template": "{{ b.text }}" }"""),
                Node("b", "text", """{ "template": "" }""", new NodeCacheSettings(true, 0)),
                Node("c", "mystery"),
                Node("c", "text"),
            ],
            Edges = [Edge("a", "b"), Edge("b", "a"), Edge("b", "nowhere")],
        };

        // Act
        var codes = _validator.Validate(graph).Select(p => p.Code).ToList();

        // Assert
        Assert.Equal(
            [
                ProblemCodes.UnsupportedSchemaVersion, ProblemCodes.NoStartNode, ProblemCodes.NoAnswerNode,
                ProblemCodes.Cycle, ProblemCodes.InvalidTtl, ProblemCodes.InvalidSetting, ProblemCodes.UnknownNodeType,
                ProblemCodes.DuplicateNodeId, ProblemCodes.MissingNode,
            ],
            codes);
    }

    [Fact]
    public void Validate_NodeTypeWithConstructorDependency_ChecksSettingsWithOrWithoutServices()
    {
        // Arrange
        var graph = ValidGraph() is var g
            ? g with { Nodes = g.Nodes.Add(Node("clock", "clock")), Edges = g.Edges.Add(Edge("start", "clock")).Add(Edge("clock", "answer")) }
            : g;
        var services = new ServiceCollection().AddSingleton(TimeProvider.System).BuildServiceProvider();

        // Act
        var withServices = new GraphValidator(GraphTestNodes.Registry(), services).Validate(graph);
        var withoutServices = _validator.Validate(graph);

        // Assert
        Assert.Equal("Node 'clock': Choose a date format.", Assert.Single(withServices).Message);
        Assert.Equal("Node 'clock': Choose a date format.", Assert.Single(withoutServices).Message);
    }

    [Fact]
    public void Validate_NodeWithTitle_NamesItByTitleAndId()
    {
        // Arrange
        var graph = Replace(ValidGraph(), Node("lookup", "lookup", """{ "query": "{{ text.text }}" }""") with { Title = "Search FAQ" });

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal("Node 'Search FAQ' (lookup): Choose a knowledge base to search.", problem.Message);
    }

    [Fact]
    public void ValidateJson_MalformedDocument_ReturnsReadingProblemsWithoutThrowing()
    {
        // Arrange
        const string json = """{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "start", "type": "start" }, """;

        // Act
        var problem = Assert.Single(_validator.Validate(json));

        // Assert
        Assert.Equal(ProblemCodes.DocumentSyntax, problem.Code);
    }

    [Fact]
    public void ValidateJson_ReadableDocumentWithGraphProblems_ReturnsBothKinds()
    {
        // Arrange: a wrong-typed TTL (reading problem) and no answer node (graph problem).
        const string json = """
            { "schemaVersion": 1, "name": "x",
              "nodes": [ { "id": "start", "type": "start", "cache": { "enabled": true, "ttlSeconds": "ten" } } ],
              "edges": [] }
            """;

        // Act
        var problems = _validator.Validate(json);

        // Assert
        Assert.Contains(problems, p => p.Code == ProblemCodes.DocumentWrongType && p.Path == "$.nodes[0].cache.ttlSeconds");
        Assert.Contains(problems, p => p.Code == ProblemCodes.NoAnswerNode);
    }

    [Fact]
    public void Validate_SettingNumberTooLargeForItsType_ReportsMalformedSetting()
    {
        // Arrange
        var graph = Replace(ValidGraph(), Node("lookup", "lookup", """{ "knowledgeBaseId": "kb1", "topK": 1e400 }"""));

        // Act
        var problem = Assert.Single(_validator.Validate(graph));

        // Assert
        Assert.Equal(ProblemCodes.MalformedSettings, problem.Code);
        Assert.Equal("$.nodes[3].settings.topK", problem.Path);
    }
}
