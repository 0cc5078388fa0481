using System.Text.Json;

namespace WorkflowEngine.Nodes;

/// <summary>A node's outputs: an immutable JSON object (thread-safe to read, cheap to cache and preview).</summary>
public sealed class NodeOutputs
{
    /// <summary>Non-ASCII text stays as written (not \uXXXX escapes), so previews of the outputs in the trace, the run page and
    /// the API read as the user wrote them in any language. Outputs are data, never embedded in HTML or script unescaped.</summary>
    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = SerializerOptions.Encoder, SkipValidation = true };

    [ThreadStatic]
    private static System.Buffers.ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;
    [ThreadStatic]
    private static bool t_writing;

    private NodeOutputs(JsonElement value) => Value = value;

    public static NodeOutputs Empty { get; } = new(JsonDocument.Parse("{}").RootElement.Clone());

    public JsonElement Value { get; }

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

    /// <summary>Builds outputs by writing their properties straight into JSON (<paramref name="write"/> writes the properties
    /// of the object, not its braces): for the steps every cached run takes, where the serializer's reflection over an
    /// anonymous object showed in profiles (bench/ApiLoad).</summary>
    public static NodeOutputs Write<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        // The per-thread buffer and writer, unless a Write is already using them on this thread (write building other outputs).
        var nested = t_writing;
        var buffer = nested ? new System.Buffers.ArrayBufferWriter<byte>(256) : t_buffer ??= new System.Buffers.ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = nested ? new Utf8JsonWriter(buffer, WriterOptions) : t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        t_writing = true;
        try
        {
            writer.WriteStartObject();
            write(writer, state);
            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            t_writing = nested;
        }
        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        // ParseValue copies the bytes into the element's own document, so the per-thread buffer can be written again.
        return new NodeOutputs(JsonElement.ParseValue(ref reader));
    }

    /// <summary>Writes the value of <paramref name="name"/> as property <paramref name="asName"/>, copied as it is written (not
    /// decoded and encoded again); false when there is no such output.</summary>
    public bool TryWriteRaw(Utf8JsonWriter writer, string name, string asName)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!TryGet(name, out var value))
        {
            return false;
        }
        writer.WritePropertyName(asName);
        writer.WriteRawValue(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value), skipInputValidation: true);
        return true;
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

    public string? GetString(string name) =>
        TryGet(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.GetRawText(),
        } : null;

    public T? Get<T>(string name) => TryGet(name, out var v) ? v.Deserialize<T>(SerializerOptions) : default;

    public IEnumerable<string> Names => Value.EnumerateObject().Select(p => p.Name);

    public string ToJson() => Value.GetRawText();

    public override string ToString() => ToJson();
}
