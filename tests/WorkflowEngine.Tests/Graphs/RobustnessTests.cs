using WorkflowEngine.Graphs;
using WorkflowEngine.Tests.TestNodes;
using static WorkflowEngine.Tests.Graphs.GraphBuilder;

namespace WorkflowEngine.Tests.Graphs;

/// <summary>Seeded random inputs: reading and validation never throw, and plans always respect every connection.</summary>
public sealed class RobustnessTests
{
    private static readonly string[] Types = ["start", "text", "lookup", "gate", "answer", "mystery"];

    [Fact]
    public void Parse_EveryTruncationOfTheSampleDocument_ReturnsProblemsNeverThrows()
    {
        // Arrange
        var json = WorkflowJson.Serialize(SampleWorkflows.FaqBot("kb-1"));
        var validator = new GraphValidator(GraphTestNodes.Registry());

        // Act
        var failures = 0;
        for (var length = 0; length < json.Length; length++)
        {
            var problems = validator.Validate(json[..length]);
            failures += problems.Count > 0 ? 1 : 0;
        }

        // Assert: every prefix is incomplete JSON, so every one is reported.
        Assert.Equal(json.Length, failures);
    }

    [Fact]
    public void Parse_RandomlyCorruptedDocuments_NeverThrowAndAlwaysGiveAPath()
    {
        // Arrange
        var json = WorkflowJson.Serialize(SampleWorkflows.FaqBot("kb-1"));
        var random = new Random(20261129);
        var replacements = new[] { "", "1", "\"x\"", "[", "]", "{", "}", ",", ":", "null", "true", "-1", "1e400", "\"\\u0000\"" };
        var validator = new GraphValidator(GraphTestNodes.Registry());

        // Act & Assert
        for (var i = 0; i < 2000; i++)
        {
            var at = random.Next(json.Length);
            var cut = random.Next(0, 12);
            var corrupted = json[..at] + replacements[random.Next(replacements.Length)] + json[Math.Min(json.Length, at + cut)..];
            var parsed = WorkflowJson.Parse(corrupted);
            Assert.All(parsed.Problems, p => Assert.False(string.IsNullOrEmpty(p.Path)));
            Assert.All(parsed.Problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Message)));
            if (parsed.Graph is not null)
            {
                validator.Validate(parsed.Graph);
            }
        }
    }

    [Fact]
    public void ExecutionPlan_RandomGraphs_OrderRespectsEveryEdgeOrReportsAnActualCycle()
    {
        // Arrange
        var random = new Random(42);
        var validator = new GraphValidator(GraphTestNodes.Registry());

        for (var round = 0; round < 500; round++)
        {
            var count = random.Next(1, 12);
            var nodes = Enumerable.Range(0, count).Select(i => Node($"n{i}", Types[random.Next(Types.Length)])).ToList();
            var edges = Enumerable.Range(0, random.Next(0, count * 2))
                .Select(_ => Edge($"n{random.Next(count + 1)}", $"n{random.Next(count)}", random.Next(4) == 0 ? "hit" : null))
                .ToList();
            var graph = Graph(nodes, edges);

            // Act
            var problems = validator.Validate(graph);
            var ok = ExecutionPlan.TryCreate(graph, out var plan, out var cycles);

            // Assert
            if (ok)
            {
                Assert.Equal(count, plan!.Order.Count);
                foreach (var edge in edges.Where(e => plan.Contains(e.From) && plan.Contains(e.To)))
                {
                    Assert.True(plan.PositionOf(edge.From) < plan.PositionOf(edge.To), $"{edge.From} must run before {edge.To}");
                    Assert.Contains(edge.From, plan.Ancestors(edge.To));
                }
                Assert.DoesNotContain(problems, p => p.Code == ProblemCodes.Cycle);
            }
            else
            {
                Assert.NotEmpty(cycles);
                foreach (var cycle in cycles)
                {
                    // Each reported loop really is one: consecutive nodes are connected, and the last leads back to the first.
                    for (var i = 0; i < cycle.Count; i++)
                    {
                        var (from, to) = (cycle[i], cycle[(i + 1) % cycle.Count]);
                        Assert.Contains(edges, e => e.From == from && e.To == to);
                    }
                }
                Assert.Equal(cycles.Count, problems.Count(p => p.Code == ProblemCodes.Cycle));
            }
        }
    }
}
