using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace WorkflowEngine.Graphs;

/// <summary>
/// Reads and writes the workflow document (docs/workflow-format.md). Malformed input never throws: every problem found
/// comes back at once, in plain language, with the JSON path of the part that is wrong.
/// </summary>
/// <remarks>Read by hand from a <see cref="JsonDocument"/> rather than deserialized, because the serializer stops at the first
/// wrong type and its messages speak of .NET types; people importing a file need every problem, in their words.</remarks>
public static class WorkflowJson
{
    private static readonly JsonDocumentOptions ReadOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 64,
    };

    private static readonly JsonWriterOptions WriteOptions = new()
    {
        Indented = true,
        // Keep Chinese text and punctuation readable in exported files instead of \uXXXX escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The document as indented JSON: schemaVersion, name, description, nodes, edges, layout (empty parts left out
    /// only where optional).</summary>
    public static string Serialize(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriteOptions))
        {
            Write(writer, graph);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Reads a document. <see cref="WorkflowParseResult.Graph"/> is null only when the text is not a JSON object at
    /// all; otherwise it holds what could be read (parts with problems left out) and <see cref="WorkflowParseResult.Problems"/>
    /// lists what was wrong. Graph rules (start node, cycles…) are <see cref="GraphValidator"/>'s job.</summary>
    public static WorkflowParseResult Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return WorkflowParseResult.Failed(new(ProblemCodes.DocumentEmpty,
                "The document is empty. A workflow document is a JSON object with schemaVersion, name, nodes and edges.", Path: "$"));
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, ReadOptions);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $"line {line + 1}, character {(ex.BytePositionInLine ?? 0) + 1}" : "somewhere";
            return WorkflowParseResult.Failed(new(ProblemCodes.DocumentSyntax,
                $"The document is not valid JSON ({where}): {FirstSentence(ex.Message)} Check for a missing comma, quote or bracket there.", Path: "$"));
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return WorkflowParseResult.Failed(new(ProblemCodes.DocumentWrongType,
                    $"The document should be a JSON object ({{ \"schemaVersion\": 1, \"name\": …, \"nodes\": […], \"edges\": […] }}), but it is {Kind(root)}.", Path: "$"));
            }
            var reader = new Reader();
            var graph = reader.ReadGraph(root);
            return new WorkflowParseResult(graph, reader.Problems);
        }
    }

    /// <summary>The first sentence of a System.Text.Json message, without its trailing path and position (shown our own way).</summary>
    internal static string FirstSentence(string message)
    {
        foreach (var marker in new[] { " Path:", " LineNumber:" })
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }
        return message.Trim();
    }

    /// <summary>The value at a System.Text.Json path relative to <paramref name="root"/> (".topK", ".synonyms[0].from",
    /// "['odd name']"), described for people; null when the path does not lead to a value.</summary>
    internal static string? DescribeValueAt(JsonElement root, string relativePath)
    {
        var current = root;
        var i = 0;
        while (i < relativePath.Length)
        {
            if (relativePath[i] == '.')
            {
                var end = relativePath.IndexOfAny(['.', '['], i + 1);
                var name = end < 0 ? relativePath[(i + 1)..] : relativePath[(i + 1)..end];
                if (current.ValueKind != JsonValueKind.Object || !TryGetPropertyIgnoreCase(current, name, out current))
                {
                    return null;
                }
                i = end < 0 ? relativePath.Length : end;
            }
            else if (relativePath.AsSpan(i).StartsWith("['", StringComparison.Ordinal) && relativePath.IndexOf("']", i, StringComparison.Ordinal) is var close and > 0)
            {
                var name = relativePath[(i + 2)..close];
                if (current.ValueKind != JsonValueKind.Object || !TryGetPropertyIgnoreCase(current, name, out current))
                {
                    return null;
                }
                i = close + 2;
            }
            else if (relativePath[i] == '[' && relativePath.IndexOf(']', i) is var bracket and > 0
                && int.TryParse(relativePath.AsSpan(i + 1, bracket - i - 1), out var index))
            {
                if (current.ValueKind != JsonValueKind.Array || index >= current.GetArrayLength())
                {
                    return null;
                }
                current = current[index];
                i = bracket + 1;
            }
            else
            {
                return null;
            }
        }
        return Kind(current);
    }

    // Node settings are read case-insensitively (Node.ConfigSerializerOptions), so the path's casing may differ from the document's.
    private static bool TryGetPropertyIgnoreCase(JsonElement obj, string name, out JsonElement value)
    {
        if (obj.TryGetProperty(name, out value))
        {
            return true;
        }
        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }
        return false;
    }

    private static void Write(Utf8JsonWriter writer, WorkflowGraph graph)
    {
        writer.WriteStartObject();
        writer.WriteNumber("schemaVersion", graph.SchemaVersion);
        writer.WriteString("name", graph.Name);
        if (graph.Description is not null)
        {
            writer.WriteString("description", graph.Description);
        }
        writer.WriteStartArray("nodes");
        foreach (var node in graph.Nodes)
        {
            writer.WriteStartObject();
            writer.WriteString("id", node.Id);
            writer.WriteString("type", node.Type);
            writer.WriteString("title", node.Title);
            writer.WritePropertyName("settings");
            if (node.Settings.ValueKind == JsonValueKind.Object)
            {
                node.Settings.WriteTo(writer);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
            writer.WriteStartObject("cache");
            writer.WriteBoolean("enabled", node.Cache.Enabled);
            writer.WriteNumber("ttlSeconds", node.Cache.TtlSeconds);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("edges");
        foreach (var edge in graph.Edges)
        {
            writer.WriteStartObject();
            writer.WriteString("from", edge.From);
            writer.WriteString("to", edge.To);
            if (edge.FromPort is not null)
            {
                writer.WriteString("fromPort", edge.FromPort);
            }
            if (edge.ToPort is not null)
            {
                writer.WriteString("toPort", edge.ToPort);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartObject("layout");
        // Layout in node order first, so exported files read top to bottom like the node list.
        var order = graph.Nodes.Select((n, i) => (n.Id, i)).GroupBy(x => x.Id).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        foreach (var (id, position) in graph.Layout.OrderBy(kv => order.GetValueOrDefault(kv.Key, int.MaxValue)).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.WriteStartObject(id);
            // JSON has no NaN or infinity; a position the designer could not compute is written as 0 rather than failing the save.
            writer.WriteNumber("x", double.IsFinite(position.X) ? position.X : 0);
            writer.WriteNumber("y", double.IsFinite(position.Y) ? position.Y : 0);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Walks the document, collecting a problem for every part of the wrong kind or missing.</summary>
    private sealed class Reader
    {
        /// <summary>The id of the node being read, so the studio can select it; null outside nodes.</summary>
        private string? _node;

        public List<ValidationProblem> Problems { get; } = [];

        public WorkflowGraph ReadGraph(JsonElement root)
        {
            const string owner = "The document";
            var schemaVersion = Int(root, "schemaVersion", "$", owner, required: false);
            var name = Text(root, "name", "$", owner, required: true);
            var description = Text(root, "description", "$", owner, required: false);
            var nodes = ImmutableArray.CreateBuilder<NodeDefinition>();
            if (Member(root, "nodes", "$", owner, JsonValueKind.Array, "a list of nodes", required: true) is { } nodeArray)
            {
                var i = 0;
                foreach (var item in nodeArray.EnumerateArray())
                {
                    if (ReadNode(item, $"$.nodes[{i}]", i) is { } node)
                    {
                        nodes.Add(node);
                    }
                    i++;
                }
            }
            var edges = ImmutableArray.CreateBuilder<Edge>();
            if (Member(root, "edges", "$", owner, JsonValueKind.Array, "a list of connections", required: true) is { } edgeArray)
            {
                var i = 0;
                foreach (var item in edgeArray.EnumerateArray())
                {
                    if (ReadEdge(item, $"$.edges[{i}]", i) is { } edge)
                    {
                        edges.Add(edge);
                    }
                    i++;
                }
            }
            var layout = ImmutableDictionary.CreateBuilder<string, NodePosition>(StringComparer.Ordinal);
            if (Member(root, "layout", "$", owner, JsonValueKind.Object, "an object of positions by node id", required: false) is { } layoutObject)
            {
                foreach (var entry in layoutObject.EnumerateObject())
                {
                    var path = $"$.layout{Segment(entry.Name)}";
                    if (entry.Value.ValueKind != JsonValueKind.Object)
                    {
                        WrongType(path, $"The position of '{entry.Name}'", "an object like { \"x\": 120, \"y\": 80 }", entry.Value);
                        continue;
                    }
                    var x = Number(entry.Value, "x", path, $"The position of '{entry.Name}'");
                    var y = Number(entry.Value, "y", path, $"The position of '{entry.Name}'");
                    if (x is { } px && y is { } py)
                    {
                        layout[entry.Name] = new NodePosition(px, py);
                    }
                }
            }
            return new WorkflowGraph
            {
                SchemaVersion = schemaVersion ?? 0,
                Name = string.IsNullOrWhiteSpace(name) ? "Untitled workflow" : name,
                Description = description,
                Nodes = nodes.ToImmutable(),
                Edges = edges.ToImmutable(),
                Layout = layout.ToImmutable(),
            };
        }

        private NodeDefinition? ReadNode(JsonElement item, string path, int index)
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                WrongType(path, $"Node {index + 1}", "an object with id, type and settings", item);
                return null;
            }
            _node = item.TryGetProperty("id", out var idValue) && idValue.ValueKind == JsonValueKind.String ? NullIfBlank(idValue.GetString()) : null;
            var label = _node is { } named ? $"Node '{named}'" : $"Node {index + 1}";
            try
            {
                return ReadNode(item, path, label);
            }
            finally
            {
                _node = null;
            }
        }

        private NodeDefinition? ReadNode(JsonElement item, string path, string label)
        {
            var id = Text(item, "id", path, label, required: true);
            var type = Text(item, "type", path, label, required: true);
            var title = Text(item, "title", path, label, required: false);
            var settings = Member(item, "settings", path, label, JsonValueKind.Object, "an object of settings", required: false) is { } s
                ? s.Clone()
                : NodeDefinition.EmptySettings;
            var cache = NodeCacheSettings.Disabled;
            if (Member(item, "cache", path, label, JsonValueKind.Object, "an object like { \"enabled\": true, \"ttlSeconds\": 600 }", required: false) is { } c)
            {
                var cachePath = path + ".cache";
                var cacheOwner = $"The cache settings of {Lower(label)}";
                var enabled = Bool(c, "enabled", cachePath, cacheOwner);
                var ttl = Int(c, "ttlSeconds", cachePath, cacheOwner, required: false);
                cache = new NodeCacheSettings(enabled ?? false, ttl ?? NodeCacheSettings.Disabled.TtlSeconds);
            }
            if (string.IsNullOrWhiteSpace(id) || string.IsNullOrWhiteSpace(type))
            {
                if (id is not null && type is not null)
                {
                    Problems.Add(new(ProblemCodes.DocumentMissingField,
                        $"{label} has an empty {(string.IsNullOrWhiteSpace(id) ? "id" : "type")}.", NullIfBlank(id), path + (string.IsNullOrWhiteSpace(id) ? ".id" : ".type")));
                }
                return null;
            }
            return new NodeDefinition(id, type, string.IsNullOrWhiteSpace(title) ? id : title, settings, cache);
        }

        private Edge? ReadEdge(JsonElement item, string path, int index)
        {
            var label = $"Connection {index + 1}";
            if (item.ValueKind != JsonValueKind.Object)
            {
                WrongType(path, label, "an object like { \"from\": \"start\", \"to\": \"clean\" }", item);
                return null;
            }
            var from = Text(item, "from", path, label, required: true);
            var to = Text(item, "to", path, label, required: true);
            var fromPort = Text(item, "fromPort", path, label, required: false);
            var toPort = Text(item, "toPort", path, label, required: false);
            if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
            {
                if (from is not null && to is not null)
                {
                    Problems.Add(new(ProblemCodes.DocumentMissingField,
                        $"{label} has an empty \"{(string.IsNullOrWhiteSpace(from) ? "from" : "to")}\"; it must name a node id.",
                        Path: path + (string.IsNullOrWhiteSpace(from) ? ".from" : ".to")));
                }
                return null;
            }
            return new Edge(from, to, NullIfBlank(fromPort), NullIfBlank(toPort));
        }

        /// <summary>The member when present with the expected kind; null when absent, null-valued or wrong (reported).</summary>
        private JsonElement? Member(JsonElement obj, string name, string path, string owner, JsonValueKind kind, string expected, bool required)
        {
            var memberPath = path + Segment(name);
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (required)
                {
                    Problems.Add(new(ProblemCodes.DocumentMissingField,
                        $"{owner} has no \"{name}\"; it should be {expected}.", _node, memberPath));
                }
                return null;
            }
            if (value.ValueKind != kind)
            {
                WrongType(memberPath, $"\"{name}\" of {Lower(owner)}", expected, value, _node);
                return null;
            }
            return value;
        }

        private string? Text(JsonElement obj, string name, string path, string owner, bool required) =>
            Member(obj, name, path, owner, JsonValueKind.String, "text", required)?.GetString();

        private bool? Bool(JsonElement obj, string name, string path, string owner)
        {
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return value.GetBoolean();
            }
            WrongType(path + Segment(name), $"\"{name}\" of {Lower(owner)}", "true or false", value, _node);
            return null;
        }

        private int? Int(JsonElement obj, string name, string path, string owner, bool required)
        {
            var value = Member(obj, name, path, owner, JsonValueKind.Number, "a whole number", required);
            if (value is not { } number)
            {
                return null;
            }
            if (number.TryGetInt32(out var i))
            {
                return i;
            }
            Problems.Add(new(ProblemCodes.DocumentWrongType,
                $"\"{name}\" of {Lower(owner)} should be a whole number between {int.MinValue} and {int.MaxValue}, but it is {number.GetRawText()}.",
                _node, path + Segment(name)));
            return null;
        }

        private double? Number(JsonElement obj, string name, string path, string owner)
        {
            if (Member(obj, name, path, owner, JsonValueKind.Number, "a number", required: true) is not { } number)
            {
                return null;
            }
            if (number.TryGetDouble(out var value) && double.IsFinite(value))
            {
                return value;
            }
            Problems.Add(new(ProblemCodes.DocumentWrongType,
                $"\"{name}\" of {Lower(owner)} should be an ordinary number, but {number.GetRawText()} is too large.", _node, path + Segment(name)));
            return null;
        }

        private void WrongType(string path, string what, string expected, JsonElement actual, string? nodeId = null) =>
            Problems.Add(new(ProblemCodes.DocumentWrongType, $"{what} should be {expected}, but it is {Kind(actual)}.", nodeId, path));


        private static string Lower(string owner) =>
            owner.StartsWith("The ", StringComparison.Ordinal) || owner.StartsWith("Node ", StringComparison.Ordinal)
                ? char.ToLowerInvariant(owner[0]) + owner[1..]
                : owner;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>A JSONPath member segment: <c>.name</c>, or <c>['odd name']</c> when the name is not a plain identifier.</summary>
    private static string Segment(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(name[0])
            ? "." + name
            : "['" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";

    /// <summary>A JSON value described for people: its kind and, when short, the value itself.</summary>
    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() is { Length: <= 40 } s ? $"the text \"{s}\"" : "a piece of text",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"{value.GetRawText()} (a yes/no value)",
        JsonValueKind.Array => value.GetArrayLength() == 0 ? "an empty list" : $"a list of {value.GetArrayLength().ToString(CultureInfo.InvariantCulture)} items",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}

/// <summary>A read document. <see cref="Graph"/> is null when nothing could be read, and may be partial when there are problems.</summary>
public sealed record WorkflowParseResult(WorkflowGraph? Graph, IReadOnlyList<ValidationProblem> Problems)
{
    public bool Succeeded => Graph is not null && Problems.Count == 0;

    public static WorkflowParseResult Ok(WorkflowGraph graph) => new(graph, []);

    public static WorkflowParseResult Failed(ValidationProblem problem) => new(null, [problem]);
}
