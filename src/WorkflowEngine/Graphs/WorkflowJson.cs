using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WorkflowEngine.Graphs;

/// <summary>Reads and writes the workflow document (docs/workflow-format.md). Malformed input gives problems with a JSON path, never an exception.</summary>
public static class WorkflowJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(WorkflowGraph graph) => JsonSerializer.Serialize(ToDocument(graph), Options);

    public static WorkflowParseResult Parse(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return WorkflowParseResult.Failed(new ValidationProblem("document.empty", "The file is empty; a workflow document is a JSON object.", Path: "$"));
        }
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(json, Options);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : "";
            return WorkflowParseResult.Failed(new ValidationProblem("document.malformed", $"The document is not valid workflow JSON at {ex.Path ?? "$"}{where}: {Describe(ex)}", Path: ex.Path ?? "$"));
        }
        if (document is null)
        {
            return WorkflowParseResult.Failed(new ValidationProblem("document.empty", "The document is null; a workflow document is a JSON object.", Path: "$"));
        }
        var problems = new List<ValidationProblem>();
        var nodes = ImmutableArray.CreateBuilder<NodeDefinition>();
        for (var i = 0; i < (document.Nodes?.Count ?? 0); i++)
        {
            var n = document.Nodes![i];
            if (n is null)
            {
                problems.Add(new("document.node-null", $"Node {i + 1} is empty.", Path: $"$.nodes[{i}]"));
                continue;
            }
            if (string.IsNullOrWhiteSpace(n.Id))
            {
                problems.Add(new("document.node-id", $"Node {i + 1} has no id.", Path: $"$.nodes[{i}].id"));
                continue;
            }
            if (string.IsNullOrWhiteSpace(n.Type))
            {
                problems.Add(new("document.node-type", $"Node '{n.Id}' has no type.", n.Id, $"$.nodes[{i}].type"));
                continue;
            }
            var settings = n.Settings is { ValueKind: JsonValueKind.Object } s ? s.Clone() : NodeDefinition.EmptySettings;
            if (n.Settings is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined) })
            {
                problems.Add(new("document.settings", $"Node '{n.Id}': settings must be a JSON object.", n.Id, $"$.nodes[{i}].settings"));
            }
            var cache = n.Cache is null ? NodeCacheSettings.Disabled : new NodeCacheSettings(n.Cache.Enabled, n.Cache.TtlSeconds ?? NodeCacheSettings.Disabled.TtlSeconds);
            nodes.Add(new NodeDefinition(n.Id, n.Type, n.Title ?? n.Id, settings, cache));
        }
        var edges = ImmutableArray.CreateBuilder<Edge>();
        for (var i = 0; i < (document.Edges?.Count ?? 0); i++)
        {
            var e = document.Edges![i];
            if (e is null || string.IsNullOrWhiteSpace(e.From) || string.IsNullOrWhiteSpace(e.To))
            {
                problems.Add(new("document.edge", $"Edge {i + 1} needs both 'from' and 'to'.", Path: $"$.edges[{i}]"));
                continue;
            }
            edges.Add(new Edge(e.From, e.To, e.FromPort, e.ToPort));
        }
        var layout = (document.Layout ?? []).Where(kv => kv.Value is not null)
            .ToImmutableDictionary(kv => kv.Key, kv => new NodePosition(kv.Value!.X, kv.Value.Y));
        var graph = new WorkflowGraph
        {
            SchemaVersion = document.SchemaVersion ?? 0,
            Name = string.IsNullOrWhiteSpace(document.Name) ? "Untitled workflow" : document.Name,
            Description = document.Description,
            Nodes = nodes.ToImmutable(),
            Edges = edges.ToImmutable(),
            Layout = layout,
        };
        return problems.Count == 0 ? WorkflowParseResult.Ok(graph) : new WorkflowParseResult(graph, problems);
    }

    private static string Describe(JsonException ex)
    {
        // System.Text.Json messages end with the path and position we already show; keep the first sentence.
        var message = ex.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static Document ToDocument(WorkflowGraph graph) => new()
    {
        SchemaVersion = graph.SchemaVersion,
        Name = graph.Name,
        Description = graph.Description,
        Nodes = [.. graph.Nodes.Select(n => new NodeDto
        {
            Id = n.Id,
            Type = n.Type,
            Title = n.Title,
            Settings = n.Settings,
            Cache = new CacheDto { Enabled = n.Cache.Enabled, TtlSeconds = n.Cache.TtlSeconds },
        })],
        Edges = [.. graph.Edges.Select(e => new EdgeDto { From = e.From, To = e.To, FromPort = e.FromPort, ToPort = e.ToPort })],
        Layout = graph.Layout.ToDictionary(kv => kv.Key, kv => (PositionDto?)new PositionDto { X = kv.Value.X, Y = kv.Value.Y }),
    };

    private sealed class Document
    {
        public int? SchemaVersion { get; set; }
        public string? Name { get; set; }
        public string? Description { get; set; }
        public List<NodeDto?>? Nodes { get; set; }
        public List<EdgeDto?>? Edges { get; set; }
        public Dictionary<string, PositionDto?>? Layout { get; set; }
    }

    private sealed class NodeDto
    {
        public string? Id { get; set; }
        public string? Type { get; set; }
        public string? Title { get; set; }
        public JsonElement? Settings { get; set; }
        public CacheDto? Cache { get; set; }
    }

    private sealed class CacheDto
    {
        public bool Enabled { get; set; }
        public int? TtlSeconds { get; set; }
    }

    private sealed class EdgeDto
    {
        public string? From { get; set; }
        public string? To { get; set; }
        public string? FromPort { get; set; }
        public string? ToPort { get; set; }
    }

    private sealed class PositionDto
    {
        public double X { get; set; }
        public double Y { get; set; }
    }
}

/// <summary>A parsed document, or the problems that stopped it. <see cref="Graph"/> may be partial when there are problems.</summary>
public sealed record WorkflowParseResult(WorkflowGraph? Graph, IReadOnlyList<ValidationProblem> Problems)
{
    public bool Succeeded => Graph is not null && Problems.Count == 0;

    public static WorkflowParseResult Ok(WorkflowGraph graph) => new(graph, []);

    public static WorkflowParseResult Failed(ValidationProblem problem) => new(null, [problem]);
}
