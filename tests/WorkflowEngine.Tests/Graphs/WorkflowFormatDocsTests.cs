using System.Reflection;
using System.Text.Json;
using Json.Schema;
using WorkflowEngine.Graphs;

namespace WorkflowEngine.Tests.Graphs;

/// <summary>docs/workflow-format.md and docs/workflow.schema.json stay true to the code: the example is the sample bot and
/// reads cleanly, every problem code is documented, and the schema accepts what the studio writes.</summary>
public sealed class WorkflowFormatDocsTests
{
    private static readonly Lazy<string> RepoRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "WorkflowStudio.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("WorkflowStudio.sln not found above " + AppContext.BaseDirectory);
    });

    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(RepoRoot.Value, "docs", "workflow.schema.json")),
            new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    private static string FormatDoc() => File.ReadAllText(Path.Combine(RepoRoot.Value, "docs", "workflow-format.md"));

    /// <summary>The first ```json block after the "## Complete example" heading.</summary>
    internal static string ExampleDocument()
    {
        var doc = FormatDoc();
        var section = doc.IndexOf("## Complete example", StringComparison.Ordinal);
        Assert.True(section >= 0, "docs/workflow-format.md has no '## Complete example' section");
        var start = doc.IndexOf("```json\n", section, StringComparison.Ordinal) + "```json\n".Length;
        var end = doc.IndexOf("\n```", start, StringComparison.Ordinal);
        return doc[start..end];
    }

    private static bool IsValidAgainstSchema(string json, out string errors)
    {
        using var document = JsonDocument.Parse(json);
        var result = Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        errors = string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
        return result.IsValid;
    }

    [Fact]
    public void Example_InFormatDoc_ReadsWithoutProblemsAndIsTheSampleFaqBot()
    {
        // Act
        var result = WorkflowJson.Parse(ExampleDocument());

        // Assert
        Assert.True(result.Succeeded, string.Join("; ", result.Problems.Select(p => $"{p.Path}: {p.Message}")));
        var knowledgeBaseId = result.Graph!.FindNode("retrieve")!.Settings.GetProperty("knowledgeBaseId").GetString()!;
        var sample = WorkflowJson.Serialize(SampleWorkflows.FaqBot(knowledgeBaseId));
        Assert.True(sample == WorkflowJson.Serialize(result.Graph),
            "The example in docs/workflow-format.md no longer matches SampleWorkflows.FaqBot; update the docs from WorkflowJson.Serialize(SampleWorkflows.FaqBot(\"harbor-lane-help\")).");
    }

    [Fact]
    public void FormatDoc_EveryProblemCode_IsDocumented()
    {
        // Arrange
        var doc = FormatDoc();
        var codes = typeof(ProblemCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();

        // Act
        var missing = codes.Where(code => !doc.Contains($"`{code}`", StringComparison.Ordinal)).ToList();

        // Assert
        Assert.True(codes.Count >= 20);
        Assert.Empty(missing);
    }

    [Fact]
    public void Schema_ExampleAndSerializedSample_AreValid()
    {
        // Arrange
        var documents = new[]
        {
            ExampleDocument(),
            WorkflowJson.Serialize(SampleWorkflows.FaqBot("kb-1")),
            WorkflowJson.Serialize(SampleWorkflows.RoutingBot("kb-1", "kb-orders", "kb-account")),
        };

        // Act & Assert
        foreach (var json in documents)
        {
            Assert.True(IsValidAgainstSchema(json, out var errors), errors);
        }
    }

    [Theory]
    [InlineData("""{ "schemaVersion": 2, "name": "x", "nodes": [], "edges": [] }""")]
    [InlineData("""{ "schemaVersion": 1, "nodes": [], "edges": [] }""")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s" } ], "edges": [] }""")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s", "type": "start", "cache": { "enabled": true, "ttlSeconds": 0 } } ], "edges": [] }""")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s", "type": "start", "cache": { "enabled": true, "ttlSeconds": 604801 } } ], "edges": [] }""")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "r", "type": "retrieve", "settings": { "knowledgeBaseId": "kb", "topK": "three" } } ], "edges": [] }""")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "r", "type": "retrieve", "settings": { "topK": 3 } } ], "edges": [] }""")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "c", "type": "cache", "settings": { "matchMode": "fuzzy" } } ], "edges": [] }""")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "c", "type": "condition", "settings": { "join": "most" } } ], "edges": [] }""")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "c", "type": "condition", "settings": { "conditions": [ { "operator": "like" } ] } } ], "edges": [] }""")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "h", "type": "http", "settings": { "url": "https://api.example.com/", "timeoutSeconds": 61 } } ], "edges": [] }""")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "h", "type": "http", "settings": { "headers": [ { "value": "x" } ] } } ], "edges": [] }""")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": [ { "from": "a" } ] }""")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": [], "layout": { "a": { "x": 1 } } }""")]
    public void Schema_DocumentsTheReaderOrValidatorRejects_AreInvalid(string json)
    {
        // Act
        var valid = IsValidAgainstSchema(json, out _);

        // Assert
        Assert.False(valid);
    }

    [Fact]
    public void Schema_ConditionStepWithEveryOperator_IsValid()
    {
        // Arrange: a condition step's settings as the studio writes them (the Config record serialized), one row per operator.
        var config = new WorkflowEngine.Nodes.Types.ConditionNode.Config
        {
            Join = "any",
            Conditions = [.. WorkflowEngine.Nodes.Types.ConditionNode.Operators.Select(o => new WorkflowEngine.Nodes.Types.ConditionNode.Condition { Left = "{{ start.query }}", Operator = o.Name, Right = "1" })],
        };
        var settings = JsonSerializer.Serialize(config, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var json = $$"""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "c", "type": "condition", "settings": {{settings}} } ], "edges": [ { "from": "c", "to": "a", "fromPort": "true" } ] }""";

        // Act
        var valid = IsValidAgainstSchema(json, out var errors);

        // Assert
        Assert.True(valid, errors);
    }

    [Fact]
    public void Schema_CachingOffWithAnyTtl_IsValid()
    {
        // Arrange: the TTL range applies only when caching is on, as in the validator.
        const string json = """{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s", "type": "start", "cache": { "enabled": false, "ttlSeconds": 0 } } ], "edges": [] }""";

        // Act
        var valid = IsValidAgainstSchema(json, out var errors);

        // Assert
        Assert.True(valid, errors);
    }
}
