using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;

namespace WorkflowEngine.Tests.Graphs;

/// <summary>The sample FAQ bot against the engine's real node types, as the studio and the API see it.</summary>
public sealed class SampleWorkflowsTests : IAsyncLifetime
{
    private readonly ServiceProvider _services;

    public SampleWorkflowsTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddWorkflowEngine();
        _services = services.BuildServiceProvider();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // Some engine services (cache invalidation) only dispose asynchronously.
    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public void FaqBot_RealNodeTypes_ValidatesWithoutProblems()
    {
        // Arrange
        var validator = _services.GetRequiredService<GraphValidator>();
        var graph = SampleWorkflows.FaqBot("kb-shop");

        // Act
        var problems = validator.Validate(graph);

        // Assert
        Assert.Empty(problems.Select(p => $"{p.Code} {p.NodeId}: {p.Message}"));
    }

    [Theory]
    [InlineData("strict", null)]
    [InlineData("LENIENT", null)]
    [InlineData("", null)]
    [InlineData("paranoid", "The strictness 'paranoid' is not known; use lenient, balanced or strict (or leave it empty for the server's default).")]
    [InlineData("2", "The strictness '2' is not known; use lenient, balanced or strict (or leave it empty for the server's default).")]
    public void FaqBot_GateStrictness_KnownLevelsOrEmptyValidateOthersAreNamed(string strictness, string? expected)
    {
        // Arrange
        var validator = _services.GetRequiredService<GraphValidator>();
        var graph = SampleWorkflows.FaqBot("kb-shop");
        var gate = graph.Nodes.Single(n => n.Type == "cache");
        var settings = System.Text.Json.JsonSerializer.SerializeToElement(new { input = "{{ clean.text }}", matchMode = "semantic", strictness });
        graph = graph with { Nodes = [.. graph.Nodes.Select(n => n == gate ? n with { Settings = settings } : n)] };

        // Act
        var problems = validator.Validate(graph).Select(p => p.Message).ToList();

        // Assert
        if (expected is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.Contains(expected, Assert.Single(problems), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FaqBot_ThroughTheDocumentFormat_ValidatesWithoutProblems()
    {
        // Arrange
        var validator = _services.GetRequiredService<GraphValidator>();
        var json = WorkflowJson.Serialize(SampleWorkflows.FaqBot("kb-shop"));

        // Act
        var problems = validator.Validate(json);

        // Assert
        Assert.Empty(problems.Select(p => $"{p.Code} {p.NodeId}: {p.Message}"));
    }

    [Fact]
    public void FaqBot_Plan_RunsTheGateBeforeTheMissPathAndTheAnswerLast()
    {
        // Act
        var plan = ExecutionPlan.Create(SampleWorkflows.FaqBot("kb-shop"));

        // Assert
        Assert.Equal(["start", "clean", "cache", "retrieve", "template", "llm", "answer"], plan.Order);
        Assert.Equal(["hit", "miss"], plan.Outgoing("cache").Select(e => e.FromPort));
    }

    [Fact]
    public void FaqBot_CacheGateThreshold_IsTheValueTheSemanticMatcherIsTunedFor()
    {
        // Arrange
        var graph = SampleWorkflows.FaqBot("kb-shop");

        // Act
        var threshold = graph.FindNode("cache")!.Settings.GetProperty("threshold").GetDouble();

        // Assert: the sample, the node's default (the inspector's "recommended") and the matcher's default agree.
        Assert.Equal(new WorkflowEngine.Nodes.Types.CacheNode.Config().Threshold, threshold);
        Assert.Equal(new WorkflowEngine.Caching.Semantic.SemanticMatchOptions().Threshold, threshold);
    }

    [Fact]
    public void Example_InFormatDoc_ValidatesWithoutProblemsAgainstRealNodeTypes()
    {
        // Arrange
        var validator = _services.GetRequiredService<GraphValidator>();

        // Act
        var problems = validator.Validate(WorkflowFormatDocsTests.ExampleDocument());

        // Assert
        Assert.Empty(problems.Select(p => $"{p.Code} {p.NodeId}: {p.Message}"));
    }

    [Fact]
    public void FaqBot_BrokenCopy_GetsRealNodeTypesMessages()
    {
        // Arrange: the kinds of mistakes a user makes in the editor, against the real node types' rules and outputs.
        var validator = _services.GetRequiredService<GraphValidator>();
        var json = WorkflowJson.Serialize(SampleWorkflows.FaqBot("kb-shop"))
            .Replace("\"knowledgeBaseId\": \"kb-shop\"", "\"knowledgeBaseId\": \"\"", StringComparison.Ordinal)
            .Replace("{{ llm.text }}", "{{ llm.txt }}", StringComparison.Ordinal)
            .Replace("\"fromPort\": \"miss\"", "\"fromPort\": \"maybe\"", StringComparison.Ordinal);

        // Act
        var problems = validator.Validate(json);

        // Assert
        Assert.Contains(problems, p => p.Code == ProblemCodes.InvalidSetting && p.NodeId == "retrieve");
        Assert.Contains(problems, p => p.Code == ProblemCodes.UnknownTemplateOutput && p.NodeId == "answer" && p.Message.Contains("no output 'txt'"));
        Assert.Contains(problems, p => p.Code == ProblemCodes.UnknownPort && p.NodeId == "cache" && p.Message.Contains("'hit' or 'miss'"));
    }
}
