using System.Text.Json;
using System.Text.Json.Nodes;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowStudio.Components.Inspector;

/// <summary>
/// A node's settings as the inspector edits them: the node type's Config defaults overlaid with the node's saved settings,
/// so every field shows its effective value. Each change returns new Settings JSON to write back into the
/// <see cref="NodeDefinition"/>; settings the form does not know are kept as they are.
/// </summary>
public sealed class NodeSettings
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly JsonObject _values;

    private NodeSettings(JsonObject values) => _values = values;

    public static NodeSettings For(NodeDefinition node, NodeDescriptor? descriptor)
    {
        var values = new JsonObject();
        if (descriptor is not null && Activator.CreateInstance(descriptor.ConfigType) is { } defaults
            && JsonSerializer.SerializeToNode(defaults, descriptor.ConfigType, Json) is JsonObject d)
        {
            foreach (var (name, value) in d)
            {
                values[name] = value?.DeepClone();
            }
        }
        if (node.Settings.ValueKind == JsonValueKind.Object && JsonNode.Parse(node.Settings.GetRawText()) is JsonObject saved)
        {
            foreach (var (name, value) in saved)
            {
                values[name] = value?.DeepClone();
            }
        }
        return new NodeSettings(values);
    }

    public string GetString(string name, string fallback = "") =>
        _values[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : fallback;

    public bool GetBool(string name, bool fallback = false) =>
        _values[name] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : fallback;

    public double GetDouble(string name, double fallback = 0) =>
        _values[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : fallback;

    public int GetInt(string name, int fallback = 0) =>
        _values[name] is JsonValue v && v.TryGetValue<double>(out var d) ? (int)Math.Round(d) : fallback;

    /// <summary>Synonym pairs ({ from, to }).</summary>
    public IReadOnlyList<SynonymPair> GetPairs(string name) =>
        _values[name] is JsonArray a
            ? [.. a.OfType<JsonObject>().Select(o => new SynonymPair(
                o["from"] is JsonValue f && f.TryGetValue<string>(out var fs) ? fs : "",
                o["to"] is JsonValue t && t.TryGetValue<string>(out var ts) ? ts : ""))]
            : [];

    public JsonElement With(string name, string value) => Set(name, JsonValue.Create(value));

    /// <summary>Several text settings changed at once (one undo step).</summary>
    public JsonElement With(params (string Name, string Value)[] values)
    {
        var copy = (JsonObject)_values.DeepClone();
        foreach (var (name, value) in values)
        {
            copy[name] = JsonValue.Create(value);
        }
        return JsonSerializer.SerializeToElement(copy, Json);
    }

    public JsonElement With(string name, bool value) => Set(name, JsonValue.Create(value));

    public JsonElement With(string name, double value) => Set(name, JsonValue.Create(value));

    public JsonElement With(string name, int value) => Set(name, JsonValue.Create(value));

    public JsonElement With(string name, IEnumerable<SynonymPair> pairs) =>
        Set(name, new JsonArray([.. pairs.Select(p => (JsonNode)new JsonObject { ["from"] = p.From, ["to"] = p.To })]));

    public JsonElement ToElement() => JsonSerializer.SerializeToElement(_values, Json);

    private JsonElement Set(string name, JsonNode? value)
    {
        var copy = (JsonObject)_values.DeepClone();
        copy[name] = value;
        return JsonSerializer.SerializeToElement(copy, Json);
    }
}

public sealed record SynonymPair(string From, string To);
