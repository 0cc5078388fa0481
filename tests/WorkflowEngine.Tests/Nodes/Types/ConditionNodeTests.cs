using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowEngine.Tests.Caching;
using static WorkflowEngine.Tests.Execution.TestEngine;

namespace WorkflowEngine.Tests.Nodes.Types;

public sealed class ConditionNodeTests
{
    public static TheoryData<string, string, string, bool, bool> Comparisons() => new()
    {
        { "equals", "Refund", "refund", true, true },
        { "equals", "Refund", "refund", false, false },
        { "notEquals", "refund", "return", true, true },
        { "notEquals", "refund", "REFUND", true, false },
        { "contains", "I want a REFUND please", "refund", true, true },
        { "contains", "I want a REFUND please", "refund", false, false },
        { "notContains", "Where is my parcel?", "refund", true, true },
        { "notContains", "refund now", "Refund", true, false },
        { "startsWith", "How do I pay?", "how", true, true },
        { "startsWith", "How do I pay?", "pay", true, false },
        { "endsWith", "How do I pay?", "PAY?", true, true },
        { "endsWith", "How do I pay?", "PAY?", false, false },
        { "isEmpty", "   ", "ignored", true, true },
        { "isEmpty", "x", "", true, false },
        { "isNotEmpty", "x", "", true, true },
        { "isNotEmpty", "", "", true, false },
        { "greaterThan", "10", "9.5", true, true },
        { "greaterThan", "9.5", "9.5", true, false },
        { "lessThan", "-3", "2", true, true },
        { "lessThan", "1e3", "999", true, false },
        { "greaterOrEqual", "9.5", "9.5", true, true },
        { "greaterOrEqual", "9.4", "9.5", true, false },
        { "lessOrEqual", " 7 ", "7", true, true },
        { "lessOrEqual", "8", "7", true, false },
        { "matches", "Order #12345", @"#\d{5}\b", true, true },
        { "matches", "ORDER 1", "^order", true, true },
        { "matches", "ORDER 1", "^order", false, false },
        { "MATCHES", "abc", "b", true, true }, // operator names are read in any case
    };

    [Theory]
    [MemberData(nameof(Comparisons))]
    public async Task ExecuteAsync_EachOperator_ContinuesOnThePortOfItsResult(string op, string left, string right, bool ignoreCase, bool expected)
    {
        // Arrange
        var harness = new NodeHarness().With("start", new { query = left });
        var definition = Definition(new { conditions = new[] { new { left = "{{ start.query }}", @operator = op, right, ignoreCase } } });

        // Act
        var result = await harness.RunAsync(new ConditionNode(), definition);

        // Assert
        Assert.Equal(expected, result.Outputs.Get<bool>("result"));
        Assert.Equal(expected ? 1 : 0, result.Outputs.Get<int>("matched"));
        Assert.Equal(expected ? ConditionNode.TruePort : ConditionNode.FalsePort, result.ActivePort);
        Assert.Equal(expected ? "true" : "false", result.Details!["condition1"]);
    }

    [Fact]
    public void Operators_EveryOneOffered_IsCoveredByTheComparisonCasesHoldingAndNot()
    {
        // Arrange
        var cases = Comparisons().Select(row => ((string)row[0], (bool)row[4])).ToList();

        // Act
        var uncovered = ConditionNode.Operators.Where(o => !cases.Contains((o.Name, true)) || !cases.Contains((o.Name, false))).Select(o => o.Name).ToList();

        // Assert
        Assert.Empty(uncovered);
    }

    [Fact]
    public async Task ExecuteAsync_IgnoreCaseNotSet_ComparesIgnoringCase()
    {
        // Arrange
        var harness = new NodeHarness().With("start", new { query = "REFUND" });
        var definition = Definition(new { conditions = new[] { new { left = "{{ start.query }}", @operator = "equals", right = "refund" } } });

        // Act
        var result = await harness.RunAsync(new ConditionNode(), definition);

        // Assert
        Assert.True(result.Outputs.Get<bool>("result"));
    }

    [Theory]
    [InlineData("all", "refund", "parcel", false, 1)]
    [InlineData("any", "refund", "parcel", true, 1)]
    [InlineData("all", "refund", "money", true, 2)]
    [InlineData("any", "invoice", "parcel", false, 0)]
    [InlineData("ANY", "invoice", "money", true, 1)]
    public async Task ExecuteAsync_TwoConditions_JoinedByAllOrAny(string join, string first, string second, bool expected, int matched)
    {
        // Arrange
        var harness = new NodeHarness().With("start", new { query = "I want my money back: refund" });
        var definition = Definition(new
        {
            join,
            conditions = new[]
            {
                new { left = "{{ start.query }}", @operator = "contains", right = first },
                new { left = "{{ start.query }}", @operator = "contains", right = second },
            },
        });

        // Act
        var result = await harness.RunAsync(new ConditionNode(), definition);

        // Assert
        Assert.Equal(expected, result.Outputs.Get<bool>("result"));
        Assert.Equal(matched, result.Outputs.Get<int>("matched"));
        Assert.Equal(expected ? "true" : "false", result.ActivePort);
    }

    [Fact]
    public async Task ExecuteAsync_RightIsATemplate_ComparesWithTheRenderedValue()
    {
        // Arrange
        var harness = new NodeHarness().With("start", new { query = "7" }).With("limits", new { max = 10 });
        var definition = Definition(new { conditions = new[] { new { left = "{{ start.query }}", @operator = "lessThan", right = "{{ limits.max }}" } } });

        // Act
        var prepared = await harness.PrepareAsync(new ConditionNode(), definition);
        var result = await prepared.ExecuteAsync(CancellationToken.None);

        // Assert
        Assert.True(result.Outputs.Get<bool>("result"));
        var input = Assert.IsType<ConditionNode.Input>(prepared.InputIdentity);
        Assert.Equal([new ConditionNode.Operands("7", "10")], input.Values);
    }

    [Theory]
    [InlineData("twelve", "3", "'twelve' is not a number")]
    [InlineData("12", "three", "'three' is not a number")]
    [InlineData("1,5", "1", "'1,5' is not a number")]
    [InlineData("NaN", "1", "'NaN' is not a number")]
    public async Task ExecuteAsync_NumberCompareWithANonNumber_IsFalseAndSaysWhy(string left, string right, string why)
    {
        // Arrange
        var harness = new NodeHarness().With("start", new { query = left }).With("other", new { value = right });
        var definition = Definition(new { conditions = new[] { new { left = "{{ start.query }}", @operator = "greaterThan", right = "{{ other.value }}" } } });

        // Act
        var result = await harness.RunAsync(new ConditionNode(), definition);

        // Assert
        Assert.False(result.Outputs.Get<bool>("result"));
        Assert.Equal(ConditionNode.FalsePort, result.ActivePort);
        Assert.Equal($"false ({why})", result.Details!["condition1"]);
    }

    [Fact]
    public async Task ExecuteAsync_NumbersInInvariantCulture_ParsedTheSameUnderAnyCurrentCulture()
    {
        // Arrange: a culture whose decimal separator is a comma.
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        try
        {
            var harness = new NodeHarness().With("start", new { query = "2.5" });
            var definition = Definition(new { conditions = new[] { new { left = "{{ start.query }}", @operator = "greaterThan", right = "2.25" } } });

            // Act
            var result = await harness.RunAsync(new ConditionNode(), definition);

            // Assert
            Assert.True(result.Outputs.Get<bool>("result"));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public async Task ExecuteAsync_PathologicalPattern_TimesOutAsFalseAndSaysSo()
    {
        // Arrange: nested overlapping quantifiers on a long near-match backtrack exponentially without a timeout.
        var harness = new NodeHarness().With("start", new { query = new string('x', 5000) });
        var definition = Definition(new { conditions = new[] { new { left = "{{ start.query }}", @operator = "matches", right = "(x+x+)+y" } } });

        // Act
        var result = await harness.RunAsync(new ConditionNode(), definition);

        // Assert
        Assert.False(result.Outputs.Get<bool>("result"));
        Assert.Equal(ConditionNode.FalsePort, result.ActivePort);
        Assert.Equal("false (the pattern took longer than 100 ms)", result.Details!["condition1"]);
    }

    [Fact]
    public async Task ExecuteAsync_PatternFromAVariableIsInvalid_IsFalseAndSaysSo()
    {
        // Arrange
        var harness = new NodeHarness().With("start", new { query = "abc" }).With("p", new { text = "(unclosed" });
        var definition = Definition(new { conditions = new[] { new { left = "{{ start.query }}", @operator = "matches", right = "{{ p.text }}" } } });

        // Act
        var result = await harness.RunAsync(new ConditionNode(), definition);

        // Assert
        Assert.False(result.Outputs.Get<bool>("result"));
        Assert.StartsWith("false (the pattern is not a valid regular expression", result.Details!["condition1"], StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateSettings_NoConditions_AsksForOne()
    {
        // Act
        var problems = Validate(new { });

        // Assert
        Assert.Equal("Add at least one condition, e.g. {{ start.query }} contains \"refund\".", Assert.Single(problems));
    }

    [Fact]
    public void ValidateSettings_UnknownOperator_NamesItAndTheKnownOnes()
    {
        // Act
        var problems = Validate(new { conditions = new[] { new { left = "{{ start.query }}", @operator = "like", right = "x" } } });

        // Assert
        var problem = Assert.Single(problems);
        Assert.StartsWith("Condition 1 uses the operator 'like', which does not exist; use one of equals, notEquals,", problem, StringComparison.Ordinal);
        Assert.Contains("matches", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateSettings_InvalidPattern_SaysItIsNotAValidPattern()
    {
        // Act
        var problems = Validate(new { conditions = new[] { new { left = "{{ start.query }}", @operator = "matches", right = "([a-z]" } } });

        // Assert
        Assert.StartsWith("Condition 1: '([a-z]' is not a valid pattern (regular expression):", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateSettings_MissingValuesAndNonNumberAndBadJoin_ReportsEachInPlainWords()
    {
        // Act
        var problems = Validate(new
        {
            join = "most",
            conditions = new[]
            {
                new { left = "", @operator = "isEmpty", right = "" },
                new { left = "{{ start.query }}", @operator = "contains", right = "" },
                new { left = "{{ start.query }}", @operator = "greaterThan", right = "ten" },
                new { left = "{{ start.query", @operator = "isNotEmpty", right = "" },
            },
        });

        // Assert
        Assert.Equal(
            [
                "'most' is not a way to join conditions: use \"all\" (every condition must hold) or \"any\" (one is enough).",
                "Condition 1 checks nothing: choose the value to check, e.g. {{ start.query }}.",
                "Condition 2 (contains) has no value to compare with: fill it in, or use \"is empty\".",
                "Condition 3 compares numbers, but 'ten' is not a number (write it like 12 or 3.5).",
            ],
            problems.Take(4));
        Assert.StartsWith("Condition 4: The template has a syntax error", problems[4], StringComparison.Ordinal);
        Assert.Equal(5, problems.Count);
    }

    [Fact]
    public void ValidateSettings_ValidConditions_NoProblems()
    {
        // Act
        var problems = Validate(new
        {
            join = "any",
            conditions = new[]
            {
                new { left = "{{ start.query }}", @operator = "matches", right = @"^\d{3}$" },
                new { left = "{{ start.query }}", @operator = "lessOrEqual", right = "{{ limits.max }}" },
                new { left = "{{ start.query }}", @operator = "isEmpty", right = "" },
            },
        });

        // Assert
        Assert.Empty(problems);
    }

    [Fact]
    public void GetReferences_LeftAndRightTemplates_ListedWithTheirFieldsAndNotForUnusedValues()
    {
        // Act
        var references = new ConditionNode().GetReferences(Definition(new
        {
            conditions = new[]
            {
                new { left = "{{ start.query }}", @operator = "equals", right = "{{ clean.text }}" },
                new { left = "{{ retrieve.found }}", @operator = "isEmpty", right = "{{ ignored.value }}" },
            },
        }));

        // Assert
        Assert.Equal(
            [
                new VariableReference("start", "query", "conditions[0].left"),
                new VariableReference("clean", "text", "conditions[0].right"),
                new VariableReference("retrieve", "found", "conditions[1].left"),
            ],
            references);
    }

    [Fact]
    public void Validate_UnknownVariableInACondition_ReportedByTheGraphValidator()
    {
        // Arrange
        var graph = Graph(
            [Node("start", "start"), Node("cond", "condition", """{ "conditions": [ { "left": "{{ start.qurey }}", "operator": "isNotEmpty" } ] }"""),
             Node("yes", "answer", """{ "template": "yes" }"""), Node("no", "answer", """{ "template": "no" }""")],
            Edge("start", "cond"), Edge("cond", "yes", "true"), Edge("cond", "no", "false"));

        // Act
        var problems = new GraphValidator(new NodeRegistry(NodeRegistry.Discover())).Validate(graph);

        // Assert
        var problem = Assert.Single(problems);
        Assert.Equal(ProblemCodes.UnknownTemplateOutput, problem.Code);
        Assert.Contains("{{ start.qurey }} in 'conditions[0].left'", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ }""", "No conditions")]
    [InlineData("""{ "conditions": [ { "left": "{{ start.query }}", "operator": "contains", "right": "refund" } ] }""", "start.query contains refund")]
    [InlineData("""{ "conditions": [ { "left": "{{ retrieve.context }}", "operator": "isEmpty" } ] }""", "retrieve.context is empty")]
    [InlineData("""{ "conditions": [ { "left": "{{ start.query }}", "operator": "greaterOrEqual", "right": "3" } ] }""", "start.query ≥ 3")]
    [InlineData("""{ "join": "any", "conditions": [ { "left": "a" }, { "left": "b" } ] }""", "2 conditions (any)")]
    [InlineData("""{ "conditions": [ { "left": "a" }, { "left": "b" } ] }""", "2 conditions (all)")]
    public void Summarize_Settings_OneLineForTheCard(string settings, string expected)
    {
        // Arrange
        var config = (ConditionNode.Config)new ConditionNode().ReadConfig(Node("cond", "condition", settings));

        // Act
        var summary = config.Summarize(NodeSummaryContext.Default);

        // Assert
        Assert.Equal(expected, summary);
    }

    [Fact]
    public async Task Run_ConditionHolds_FalseBranchSkippedWithReasonAndTrueBranchAnswers()
    {
        // Arrange: start → cond; cond(true) → yes; cond(false) → no → (answer) noAnswer.
        using var services = Create();
        var graph = BranchGraph();

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request("Can I get a REFUND?"));

        // Assert
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal("Refunds take 5 days.", result.Answer);
        Assert.Equal(NodeRunStatus.Succeeded, result["cond"]!.Status);
        Assert.Equal(ConditionNode.TruePort, result["cond"]!.Port);
        Assert.Equal(NodeRunStatus.Succeeded, result["yes"]!.Status);
        Assert.Equal(NodeRunStatus.Skipped, result["no"]!.Status);
        Assert.Equal("bypassed: 'cond' continued on 'true'", result["no"]!.Message);
        Assert.True(result.Outputs["cond"].Get<bool>("result"));
        Assert.Equal(1, result.Outputs["cond"].Get<int>("matched"));
    }

    [Fact]
    public async Task Run_ConditionDoesNotHold_TrueBranchSkippedAndFalseBranchAnswers()
    {
        // Arrange
        using var services = Create();
        var graph = BranchGraph();

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request("Where is my parcel?"));

        // Assert
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal("Ask me about refunds.", result.Answer);
        Assert.Equal(ConditionNode.FalsePort, result["cond"]!.Port);
        Assert.Equal(NodeRunStatus.Skipped, result["yes"]!.Status);
        Assert.Equal("bypassed: 'cond' continued on 'false'", result["yes"]!.Message);
        Assert.Equal(NodeRunStatus.Succeeded, result["no"]!.Status);
        Assert.False(result.Outputs["cond"].Get<bool>("result"));
    }

    [Fact]
    public async Task Run_BranchStepsBeforeTheAnswer_OnlyTheTakenBranchRunsAndItsSkipReasonReachesTheJoinedAnswer()
    {
        // Arrange: start → cond; true → refundText, false → otherText; both → one answer that reads either text.
        using var services = Create();
        var graph = Graph(
            [
                Node("start", "start"),
                Node("cond", "condition", """{ "join": "any", "conditions": [ { "left": "{{ start.query }}", "operator": "matches", "right": "\\b(refund|money back)\\b" } ] }"""),
                Node("refundText", "template", """{ "template": "Refunds: {{ start.query }}" }"""),
                Node("otherText", "template", """{ "template": "Other: {{ start.query }}" }"""),
                Node("answer", "answer", """{ "template": "{{ refundText.text }}{{ otherText.text }}" }"""),
            ],
            Edge("start", "cond"), Edge("cond", "refundText", "true"), Edge("cond", "otherText", "false"),
            Edge("refundText", "answer"), Edge("otherText", "answer"));

        // Act
        var refund = await services.Runner().RunToCompletionAsync(graph, Request("I want my money back"));
        var other = await services.Runner().RunToCompletionAsync(graph, Request("opening hours"));

        // Assert
        Assert.Equal("Refunds: I want my money back", refund.Answer);
        Assert.Equal((NodeRunStatus.Succeeded, NodeRunStatus.Skipped), (refund["refundText"]!.Status, refund["otherText"]!.Status));
        Assert.Equal("Other: opening hours", other.Answer);
        Assert.Equal((NodeRunStatus.Skipped, NodeRunStatus.Succeeded), (other["refundText"]!.Status, other["otherText"]!.Status));
        Assert.Equal(("true", "false"), (refund["cond"]!.Port, other["cond"]!.Port));
    }

    [Fact]
    public async Task Run_CachingOn_SameValuesServedFromCacheOnTheSamePortAndOtherValuesRunAgain()
    {
        // Arrange: the condition's "Cache results" box ticked (L1 only).
        await using var engine = FaqBotEngine.Create(null);
        var runner = engine.GetRequiredService<WorkflowRunner>();
        var graph = BranchGraph();
        graph = graph with { Nodes = graph.Nodes.Replace(graph.FindNode("cond")!, graph.FindNode("cond")! with { Cache = new NodeCacheSettings(true, 600) }) };
        var workflowId = CacheTestKit.NewWorkflowId();

        // Act
        var first = await runner.RunToCompletionAsync(graph, new RunRequest(workflowId, "refund please"));
        var again = await runner.RunToCompletionAsync(graph, new RunRequest(workflowId, "refund please"));
        var other = await runner.RunToCompletionAsync(graph, new RunRequest(workflowId, "where is my parcel"));

        // Assert
        Assert.Equal((CacheStatus.Miss, "true"), (first["cond"]!.Cache!.Status, first["cond"]!.Port));
        Assert.Equal((CacheStatus.Hit, "true"), (again["cond"]!.Cache!.Status, again["cond"]!.Port));
        Assert.Equal(NodeRunStatus.Skipped, again["no"]!.Status);
        Assert.Equal("Refunds take 5 days.", again.Answer);
        Assert.Equal((CacheStatus.Miss, "false"), (other["cond"]!.Cache!.Status, other["cond"]!.Port));
        Assert.Equal("Ask me about refunds.", other.Answer);
    }

    [Fact]
    public void ValidateSettings_NullsInTheSettings_ReadAsDefaultsAndReportedInPlainWords()
    {
        // Arrange
        var definition = Node("cond", "condition", """{ "join": null, "conditions": [ null, { "left": null, "operator": null, "right": null } ] }""");

        // Act
        var problems = new ConditionNode().ValidateSettings(definition).ToList();

        // Assert
        Assert.Equal(
            [
                "Condition 1 checks nothing: choose the value to check, e.g. {{ start.query }}.",
                "Condition 1 (contains) has no value to compare with: fill it in, or use \"is empty\".",
                "Condition 2 uses the operator '', which does not exist; use one of " + string.Join(", ", ConditionNode.Operators.Select(o => o.Name)) + ".",
            ],
            problems);
    }

    private static WorkflowGraph BranchGraph() => Graph(
        [
            Node("start", "start"),
            Node("cond", "condition", """{ "conditions": [ { "left": "{{ start.query }}", "operator": "contains", "right": "refund" } ] }"""),
            Node("yes", "answer", """{ "template": "Refunds take 5 days." }"""),
            Node("no", "answer", """{ "template": "Ask me about refunds." }"""),
        ],
        Edge("start", "cond"), Edge("cond", "yes", "true"), Edge("cond", "no", "false"));

    private static NodeDefinition Definition(object settings) => NodeHarness.Definition("cond", "condition", settings);

    private static List<string> Validate(object settings) => [.. new ConditionNode().ValidateSettings(Definition(settings))];
}
