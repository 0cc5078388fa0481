using System.Collections.Immutable;
using System.Text.Json;
using WorkflowEngine.Graphs;
using static WorkflowEngine.Tests.Graphs.GraphBuilder;

namespace WorkflowEngine.Tests.Graphs;

public sealed class WorkflowJsonTests
{
    private const string Minimal = """
        { "schemaVersion": 1, "name": "Tiny", "nodes": [ { "id": "start", "type": "start" }, { "id": "answer", "type": "answer" } ],
          "edges": [ { "from": "start", "to": "answer" } ] }
        """;

    private static WorkflowGraph RichGraph() => new()
    {
        SchemaVersion = 1,
        Name = "退款助手 / Refund helper",
        Description = "Answers \"money back\" questions — 退钱→退款.",
        Nodes =
        [
            Node("start", "start"),
            Node("clean", "clean", """{ "input": "{{ start.query }}", "nfkc": true, "synonyms": [ { "from": "退钱", "to": "退款" } ] }"""),
            Node("cache", "cache", """{ "matchMode": "exact" }""", new NodeCacheSettings(true, 3600)) with { Title = "Answer cache" },
            Node("llm", "llm", """{ "temperature": 0.2, "maxTokens": 512 }""", new NodeCacheSettings(true, 600)),
            Node("answer", "answer"),
        ],
        Edges = [Edge("start", "clean"), Edge("clean", "cache"), Edge("cache", "answer", "hit"), Edge("cache", "llm", "miss", "in"), Edge("llm", "answer")],
        Layout = ImmutableDictionary<string, NodePosition>.Empty.Add("start", new(40, 80)).Add("answer", new(900.5, -12)),
    };

    [Fact]
    public void Parse_MinimalDocument_ReadsNodesEdgesAndDefaults()
    {
        // Act
        var result = WorkflowJson.Parse(Minimal);

        // Assert
        Assert.True(result.Succeeded);
        var graph = result.Graph!;
        Assert.Equal(1, graph.SchemaVersion);
        Assert.Equal("Tiny", graph.Name);
        Assert.Null(graph.Description);
        Assert.Equal(["start", "answer"], graph.Nodes.Select(n => n.Id));
        Assert.Equal("start", graph.Nodes[0].Title);
        Assert.Equal(JsonValueKind.Object, graph.Nodes[0].Settings.ValueKind);
        Assert.False(graph.Nodes[0].Cache.Enabled);
        Assert.Equal(Edge("start", "answer"), Assert.Single(graph.Edges));
        Assert.Empty(graph.Layout);
    }

    [Fact]
    public void SerializeThenParse_RichGraph_KeepsEverything()
    {
        // Arrange
        var original = RichGraph();

        // Act
        var json = WorkflowJson.Serialize(original);
        var result = WorkflowJson.Parse(json);

        // Assert
        Assert.True(result.Succeeded, string.Join("; ", result.Problems.Select(p => p.Message)));
        var copy = result.Graph!;
        Assert.Equal(original.SchemaVersion, copy.SchemaVersion);
        Assert.Equal(original.Name, copy.Name);
        Assert.Equal(original.Description, copy.Description);
        Assert.Equal(original.Edges.AsEnumerable(), copy.Edges);
        Assert.Equal(original.Layout.OrderBy(kv => kv.Key), copy.Layout.OrderBy(kv => kv.Key));
        Assert.Equal(original.Nodes.Length, copy.Nodes.Length);
        foreach (var (a, b) in original.Nodes.Zip(copy.Nodes))
        {
            Assert.Equal((a.Id, a.Type, a.Title, a.Cache), (b.Id, b.Type, b.Title, b.Cache));
            Assert.True(JsonElement.DeepEquals(a.Settings, b.Settings), $"settings of {a.Id} changed: {b.Settings}");
        }
    }

    [Fact]
    public void Serialize_TwiceThroughParse_GivesIdenticalText()
    {
        // Arrange
        var first = WorkflowJson.Serialize(RichGraph());

        // Act
        var second = WorkflowJson.Serialize(WorkflowJson.Parse(first).Graph!);

        // Assert
        Assert.Equal(first, second);
    }

    [Fact]
    public void Serialize_ChineseText_StaysReadable()
    {
        // Act
        var json = WorkflowJson.Serialize(RichGraph());

        // Assert
        Assert.Contains("退款助手", json);
        Assert.Contains("\"from\": \"退钱\"", json);
        Assert.DoesNotContain("\\u", json);
    }

    [Fact]
    public void Serialize_Document_UsesTheDocumentedFieldNames()
    {
        // Act
        using var doc = JsonDocument.Parse(WorkflowJson.Serialize(RichGraph()));
        var root = doc.RootElement;

        // Assert
        Assert.Equal(["schemaVersion", "name", "description", "nodes", "edges", "layout"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["id", "type", "title", "settings", "cache"], root.GetProperty("nodes")[2].EnumerateObject().Select(p => p.Name));
        Assert.Equal(3600, root.GetProperty("nodes")[2].GetProperty("cache").GetProperty("ttlSeconds").GetInt32());
        Assert.Equal(["from", "to", "fromPort"], root.GetProperty("edges")[2].EnumerateObject().Select(p => p.Name));
        Assert.Equal(900.5, root.GetProperty("layout").GetProperty("answer").GetProperty("x").GetDouble());
    }

    [Fact]
    public void Parse_CommentsAndTrailingCommas_AreAccepted()
    {
        // Arrange
        const string json = """
            {
              // hand-edited
              "schemaVersion": 1, "name": "x",
              "nodes": [ { "id": "start", "type": "start", }, ],
              "edges": [],
            }
            """;

        // Act
        var result = WorkflowJson.Parse(json);

        // Assert
        Assert.True(result.Succeeded);
        Assert.Single(result.Graph!.Nodes);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   \n ")]
    public void Parse_EmptyText_ReportsEmptyDocument(string? json)
    {
        // Act
        var result = WorkflowJson.Parse(json);

        // Assert
        Assert.Null(result.Graph);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(ProblemCodes.DocumentEmpty, problem.Code);
        Assert.Equal("$", problem.Path);
    }

    [Theory]
    [InlineData("""{ "schemaVersion": 1, "name": "x" """, "line 1")]
    [InlineData("{ \"schemaVersion\": 1,\n  \"name\": \"x\"\n  \"nodes\": [] }", "line 3")]
    [InlineData("""{ "name": 'single quotes' }""", "line 1")]
    [InlineData("""{ "name": "x" } trailing""", "line 1")]
    [InlineData("not json at all", "line 1")]
    public void Parse_BadJsonSyntax_ReportsLineWithoutThrowing(string json, string where)
    {
        // Act
        var result = WorkflowJson.Parse(json);

        // Assert
        Assert.Null(result.Graph);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(ProblemCodes.DocumentSyntax, problem.Code);
        Assert.StartsWith("The document is not valid JSON (" + where, problem.Message);
        Assert.DoesNotContain("LineNumber", problem.Message);
        Assert.DoesNotContain("Exception", problem.Message);
    }

    [Fact]
    public void Parse_NestedTooDeep_ReportsSyntaxProblem()
    {
        // Arrange
        var json = """{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": [], "layout": """ + new string('[', 100) + new string(']', 100) + "}";

        // Act
        var result = WorkflowJson.Parse(json);

        // Assert
        Assert.Equal(ProblemCodes.DocumentSyntax, Assert.Single(result.Problems).Code);
    }

    [Theory]
    [InlineData("[]", "$", "an empty list")]
    [InlineData("\"workflow\"", "$", "the text \"workflow\"")]
    [InlineData("42", "$", "the number 42")]
    [InlineData("""{ "schemaVersion": "1", "name": "x", "nodes": [], "edges": [] }""", "$.schemaVersion", "the text \"1\"")]
    [InlineData("""{ "schemaVersion": 1, "name": 7, "nodes": [], "edges": [] }""", "$.name", "the number 7")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "description": ["a"], "nodes": [], "edges": [] }""", "$.description", "a list of 1 items")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": {}, "edges": [] }""", "$.nodes", "an object")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": "start->answer" }""", "$.edges", "the text \"start->answer\"")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ "start" ], "edges": [] }""", "$.nodes[0]", "the text \"start\"")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": 1, "type": "start" } ], "edges": [] }""", "$.nodes[0].id", "the number 1")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s", "type": true } ], "edges": [] }""", "$.nodes[0].type", "true (a yes/no value)")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s", "type": "start", "title": {} } ], "edges": [] }""", "$.nodes[0].title", "an object")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s", "type": "start", "settings": [] } ], "edges": [] }""", "$.nodes[0].settings", "an empty list")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s", "type": "start", "cache": true } ], "edges": [] }""", "$.nodes[0].cache", "true (a yes/no value)")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s", "type": "start", "cache": { "enabled": "yes" } } ], "edges": [] }""", "$.nodes[0].cache.enabled", "the text \"yes\"")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s", "type": "start", "cache": { "enabled": true, "ttlSeconds": "ten" } } ], "edges": [] }""", "$.nodes[0].cache.ttlSeconds", "the text \"ten\"")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s", "type": "start", "cache": { "enabled": true, "ttlSeconds": 2.5 } } ], "edges": [] }""", "$.nodes[0].cache.ttlSeconds", "2.5")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s", "type": "start", "cache": { "enabled": true, "ttlSeconds": 99999999999 } } ], "edges": [] }""", "$.nodes[0].cache.ttlSeconds", "99999999999")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": [ 5 ] }""", "$.edges[0]", "the number 5")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": [ { "from": "a", "to": "b", "fromPort": 1 } ] }""", "$.edges[0].fromPort", "the number 1")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": [], "layout": [] }""", "$.layout", "an empty list")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": [], "layout": { "start": "0,0" } }""", "$.layout.start", "the text \"0,0\"")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": [], "layout": { "my node": { "x": "1", "y": 2 } } }""", "$.layout['my node'].x", "the text \"1\"")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": [], "layout": { "a": { "x": 1e400, "y": 2 } } }""", "$.layout.a.x", "1e400 is too large")]
    [InlineData("""{ "schemaVersion": 1e400, "name": "x", "nodes": [], "edges": [] }""", "$.schemaVersion", "1e400")]
    public void Parse_WrongType_ReportsPathAndWhatWasFound(string json, string path, string found)
    {
        // Act
        var result = WorkflowJson.Parse(json);

        // Assert
        var problem = Assert.Single(result.Problems);
        Assert.Equal(ProblemCodes.DocumentWrongType, problem.Code);
        Assert.Equal(path, problem.Path);
        Assert.Contains(found, problem.Message);
        Assert.Contains("should be", problem.Message);
        Assert.Equal(ProblemCodes.DocumentWrongType, problem.Code);
    }

    [Theory]
    [InlineData("""{ "schemaVersion": 1, "nodes": [], "edges": [] }""", "$.name")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "edges": [] }""", "$.nodes")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": null, "edges": [] }""", "$.nodes")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [] }""", "$.edges")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "type": "start" } ], "edges": [] }""", "$.nodes[0].id")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "", "type": "start" } ], "edges": [] }""", "$.nodes[0].id")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s" } ], "edges": [] }""", "$.nodes[0].type")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": [ { "from": "a" } ] }""", "$.edges[0].to")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": [ { "from": " ", "to": "b" } ] }""", "$.edges[0].from")]
    [InlineData("""{ "schemaVersion": 1, "name": "x", "nodes": [], "edges": [], "layout": { "s": { "x": 1 } } }""", "$.layout.s.y")]
    public void Parse_MissingField_ReportsPath(string json, string path)
    {
        // Act
        var result = WorkflowJson.Parse(json);

        // Assert
        var problem = Assert.Single(result.Problems);
        Assert.Equal(ProblemCodes.DocumentMissingField, problem.Code);
        Assert.Equal(path, problem.Path);
    }

    [Fact]
    public void Parse_NodeMissingType_NamesTheNode()
    {
        // Act
        var problem = Assert.Single(WorkflowJson.Parse("""{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "llm" } ], "edges": [] }""").Problems);

        // Assert
        Assert.Equal("Node 'llm' has no \"type\"; it should be text.", problem.Message);
        Assert.Equal("llm", problem.NodeId);
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsAllAndKeepsTheGoodParts()
    {
        // Arrange
        const string json = """
            { "schemaVersion": 1, "name": 3,
              "nodes": [
                { "id": "start", "type": "start" },
                { "id": "llm", "type": "llm", "cache": { "enabled": "on", "ttlSeconds": "600" } },
                { "type": "answer" },
                { "id": "answer", "type": "answer" }
              ],
              "edges": [ { "from": "start", "to": "llm" }, { "to": "answer" }, { "from": "llm", "to": "answer" } ] }
            """;

        // Act
        var result = WorkflowJson.Parse(json);

        // Assert
        Assert.Equal(
            ["$.name", "$.nodes[1].cache.enabled", "$.nodes[1].cache.ttlSeconds", "$.nodes[2].id", "$.edges[1].from"],
            result.Problems.Select(p => p.Path));
        Assert.Equal("\"enabled\" of the cache settings of node 'llm' should be true or false, but it is the text \"on\".", result.Problems[1].Message);
        Assert.Equal("llm", result.Problems[1].NodeId);
        Assert.NotNull(result.Graph);
        Assert.Equal(["start", "llm", "answer"], result.Graph.Nodes.Select(n => n.Id));
        Assert.Equal(2, result.Graph.Edges.Length);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public void Parse_UnknownExtraFields_AreIgnored()
    {
        // Arrange
        const string json = """{ "schemaVersion": 1, "name": "x", "nodes": [ { "id": "s", "type": "start", "color": "red" } ], "edges": [], "author": "me" }""";

        // Act
        var result = WorkflowJson.Parse(json);

        // Assert
        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Parse_MissingSchemaVersion_ReadsAsZeroForTheValidatorToReport()
    {
        // Act
        var result = WorkflowJson.Parse("""{ "name": "x", "nodes": [], "edges": [] }""");

        // Assert
        Assert.True(result.Succeeded);
        Assert.Equal(0, result.Graph!.SchemaVersion);
    }

    [Theory]
    [InlineData(".topK", "the text \"three\"")]
    [InlineData(".TOPK", "the text \"three\"")]
    [InlineData(".synonyms[1].from", "the number 5")]
    [InlineData(".synonyms", "a list of 2 items")]
    [InlineData("['odd name']", "true (a yes/no value)")]
    [InlineData(".missing", null)]
    [InlineData(".synonyms[7]", null)]
    public void DescribeValueAt_SettingsPath_DescribesTheValueFound(string path, string? expected)
    {
        // Arrange
        using var doc = JsonDocument.Parse("""{ "topK": "three", "synonyms": [ { "from": "a" }, { "from": 5 } ], "odd name": true }""");

        // Act
        var described = WorkflowJson.DescribeValueAt(doc.RootElement, path);

        // Assert
        Assert.Equal(expected, described);
    }

    [Fact]
    public void Serialize_PositionNotANumber_WritesZeroInsteadOfThrowing()
    {
        // Arrange
        var graph = RichGraph() with { Layout = ImmutableDictionary<string, NodePosition>.Empty.Add("start", new(double.NaN, double.PositiveInfinity)) };

        // Act
        var parsed = WorkflowJson.Parse(WorkflowJson.Serialize(graph));

        // Assert
        Assert.True(parsed.Succeeded);
        Assert.Equal(new NodePosition(0, 0), parsed.Graph!.Layout["start"]);
    }
}
