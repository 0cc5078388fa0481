using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace WorkflowEngine.Nodes;

/// <summary>A node's outputs: an immutable JSON object (thread-safe to read, cheap to cache and preview).
/// <para>Outputs made by <see cref="Write"/> keep the JSON as written and the strings and booleans they were written from:
/// reading those (<see cref="GetString"/>, <see cref="GetBoolean"/>) and previewing (<see cref="Utf8"/>) need no parsing,
/// and the JSON is parsed the first time something asks for <see cref="Value"/>. On a cached run the answer (often
/// kilobytes) then goes from the gate to the answer step and the runner as the same string, instead of being parsed and
/// decoded again at each step (bench/ApiLoad).</para></summary>
public sealed class NodeOutputs
{
    /// <summary>Non-ASCII text stays as written (not \uXXXX escapes), so previews of the outputs in the trace, the run page and
    /// the API read as the user wrote them in any language. Outputs are data, never embedded in HTML or script unescaped.</summary>
    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        Encoder = Execution.JsonStrings.Encoder,
    };

    // Written outputs: the JSON as written, and the strings and booleans it was written from.
    private readonly byte[]? _utf8;
    private readonly KeyValuePair<string, object>[]? _typed;
    // The parsed JSON, set once (a box, so concurrent first readers publish one whole element).
    private StrongBox<JsonElement>? _parsed;

    private NodeOutputs(JsonElement value) => _parsed = new(value);

    private NodeOutputs(byte[] utf8, KeyValuePair<string, object>[] typed)
    {
        _utf8 = utf8;
        _typed = typed;
    }

    public static NodeOutputs Empty { get; } = new(JsonDocument.Parse("{}").RootElement.Clone());

    public JsonElement Value => (Volatile.Read(ref _parsed) ?? Parse()).Value;

    /// <summary>The outputs' JSON as UTF-8 (no parsing for written outputs).</summary>
    public ReadOnlySpan<byte> Utf8 => _utf8 is { } utf8 ? utf8 : JsonMarshal.GetRawUtf8Value(Value);

    /// <summary>Builds outputs from an anonymous object or record, e.g. <c>NodeOutputs.From(new { text })</c> (camelCase names).</summary>
    public static NodeOutputs From<T>(T value)
    {
        var element = JsonSerializer.SerializeToElement(value, SerializerOptions);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("Node outputs must be a JSON object.", nameof(value));
        }
        return new NodeOutputs(element);
    }

    /// <summary>Builds outputs by writing their properties (<paramref name="write"/> writes the properties of the object, not
    /// its braces): for the steps every cached run takes, where the serializer's reflection over an anonymous object, and
    /// parsing the result, showed in profiles (bench/ApiLoad).</summary>
    public static NodeOutputs Write<TState>(TState state, Action<OutputsWriter, TState> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        return Execution.ScratchJson.Write((state, write, typed: new List<KeyValuePair<string, object>>(4)), static (json, s) =>
        {
            json.WriteStartObject();
            s.write(new OutputsWriter(json, s.typed), s.state);
            json.WriteEndObject();
        }, static (utf8, s) => new NodeOutputs(utf8.ToArray(), [.. s.typed]));
    }

    public static NodeOutputs FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("Node outputs must be a JSON object.");
        }
        return new NodeOutputs(document.RootElement.Clone());
    }

    public bool TryGet(string name, out JsonElement value) => Value.TryGetProperty(name, out value);

    /// <summary>A string output as it is; a number or boolean as its JSON text; null when missing or null.</summary>
    public string? GetString(string name)
    {
        if (Typed(name) is { } typed)
        {
            return typed as string ?? ((bool)typed ? "true" : "false");
        }
        return TryGet(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.GetRawText(),
        } : null;
    }

    /// <summary>A string output (not a number or boolean as text); false when missing or not a string. Written outputs need
    /// no parsing for it.</summary>
    public bool TryGetString(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        if (Typed(name) is { } typed)
        {
            value = typed as string;
            return value is not null;
        }
        value = TryGet(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return value is not null;
    }

    /// <summary>A boolean output; null when missing or not a boolean.</summary>
    public bool? GetBoolean(string name)
    {
        if (Typed(name) is { } typed)
        {
            return typed as bool?;
        }
        return TryGet(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
    }

    public T? Get<T>(string name) => TryGet(name, out var v) ? v.Deserialize<T>(SerializerOptions) : default;

    public IEnumerable<string> Names => Value.EnumerateObject().Select(p => p.Name);

    public string ToJson() => _utf8 is { } utf8 ? System.Text.Encoding.UTF8.GetString(utf8) : Value.GetRawText();

    public override string ToString() => ToJson();

    private object? Typed(string name)
    {
        if (_typed is { } typed)
        {
            foreach (var (key, value) in typed)
            {
                if (string.Equals(key, name, StringComparison.Ordinal))
                {
                    return value;
                }
            }
        }
        return null;
    }

    private StrongBox<JsonElement> Parse()
    {
        var reader = new Utf8JsonReader(_utf8);
        var parsed = new StrongBox<JsonElement>(JsonElement.ParseValue(ref reader));
        return Interlocked.CompareExchange(ref _parsed, parsed, null) ?? parsed;
    }
}

/// <summary>Writes the properties of <see cref="NodeOutputs.Write"/>'s outputs, keeping strings and booleans as they are.</summary>
public readonly struct OutputsWriter
{
    private readonly Utf8JsonWriter _json;

    internal OutputsWriter(Utf8JsonWriter json, List<KeyValuePair<string, object>> typed)
    {
        _json = json;
        Typed = typed;
    }

    private List<KeyValuePair<string, object>> Typed { get; }

    public void String(string name, string value)
    {
        Execution.JsonStrings.Write(_json, name, value);
        Typed.Add(new(name, value));
    }

    public void Boolean(string name, bool value)
    {
        _json.WriteBoolean(name, value);
        Typed.Add(new(name, value));
    }

    public void Number(string name, double value) => _json.WriteNumber(name, value);

    /// <summary>The JSON writer itself, for an array or object output (read back by parsing, like any other JSON).</summary>
    public Utf8JsonWriter Json => _json;
}
