using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WorkflowEngine.Execution;

/// <summary>Writes long strings as JSON escaped once per string instance, for JSON written with the relaxed encoder
/// (<see cref="Encoder"/>): node outputs, a run's API answer, conversation memory.
/// <para>Why: a cached answer is the same string on every run that serves it, and each such run writes it into the gate's
/// outputs, the answer step's outputs, the API response and the conversation memory. Escaping it every time (a long answer has
/// a newline or a quote every few dozen characters, so the escaper goes character by character) was about 6 % of a cached
/// <c>/run</c>'s CPU (bench/ApiLoad, docs/benchmarks.md "HTTP API"). The escaped UTF-8 lives as long as the string does
/// (a <see cref="ConditionalWeakTable{TKey,TValue}"/>), so a cached answer is escaped once while it stays cached.</para>
/// <para>Strings shorter than <see cref="MinLength"/> are escaped as usual: looking them up would cost more than escaping.</para>
/// </summary>
public static class JsonStrings
{
    /// <summary>From this length on, a string's escaped form is kept: above the default output preview (400 characters), so a
    /// trace's previews, new strings on every run, are not kept for nothing.</summary>
    public const int MinLength = 512;

    private static readonly ConditionalWeakTable<string, object> Escaped = new();
    private static readonly ConditionalWeakTable<string, object>.CreateValueCallback Encode = static s => JsonEncodedText.Encode(s, Encoder);

    /// <summary>The encoder every writer using these methods must have: text as it is, not \uXXXX (the JSON is data, never
    /// pasted into HTML unescaped).</summary>
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Writes a string property; the writer's encoder must be <see cref="Encoder"/>.</summary>
    public static void Write(Utf8JsonWriter writer, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length < MinLength)
        {
            writer.WriteString(name, value);
        }
        else
        {
            writer.WriteString(name, EscapedForm(value));
        }
    }

    /// <summary>Writes a string value; the writer's encoder must be <see cref="Encoder"/>.</summary>
    public static void WriteValue(Utf8JsonWriter writer, string value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length < MinLength)
        {
            writer.WriteStringValue(value);
        }
        else
        {
            writer.WriteStringValue(EscapedForm(value));
        }
    }

    /// <summary>For serializer options whose <see cref="JsonSerializerOptions.Encoder"/> is <see cref="Encoder"/>: every string
    /// the serializer writes goes through <see cref="WriteValue"/>.</summary>
    public static JsonConverter<string> Converter { get; } = new StringConverter();

    private static JsonEncodedText EscapedForm(string value) => (JsonEncodedText)Escaped.GetValue(value, Encode);

    private sealed class StringConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString();

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => WriteValue(writer, value);

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetString()!;

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
            writer.WritePropertyName(value);
    }
}
