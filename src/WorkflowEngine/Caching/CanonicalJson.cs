using System.Security.Cryptography;
using System.Text.Json;

namespace WorkflowEngine.Caching;

/// <summary>
/// Canonical JSON (object keys sorted by ordinal, no whitespace) and its SHA-256, so equal content always hashes equally
/// whatever order the settings were written in. Written by hand because System.Text.Json keeps property order and no
/// library we already use canonicalizes (RFC 8785 libraries would be one more dependency for ~40 lines).
/// </summary>
public static class CanonicalJson
{
    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web);

    public static byte[] ToUtf8(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, element);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] ToUtf8(object? value) =>
        value is JsonElement element ? ToUtf8(element) : ToUtf8(JsonSerializer.SerializeToElement(value, SerializerOptions));

    public static string ToText(object? value) => System.Text.Encoding.UTF8.GetString(ToUtf8(value));

    /// <summary>Lower-case hex SHA-256 of the canonical JSON of <paramref name="value"/>.</summary>
    public static string Hash(object? value) => Convert.ToHexStringLower(SHA256.HashData(ToUtf8(value)));

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }
                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                // 1, 1.0 and 1e0 are the same setting: write doubles in their shortest round-trip form.
                if (element.TryGetInt64(out var integer))
                {
                    writer.WriteNumberValue(integer);
                }
                else
                {
                    writer.WriteNumberValue(element.GetDouble());
                }
                break;
            case JsonValueKind.Undefined:
                writer.WriteNullValue();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
