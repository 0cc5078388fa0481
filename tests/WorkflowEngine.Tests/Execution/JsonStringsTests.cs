using System.Buffers;
using System.Text;
using System.Text.Json;
using WorkflowEngine.Execution;

namespace WorkflowEngine.Tests.Execution;

public sealed class JsonStringsTests
{
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JsonStrings.Encoder };

    public static TheoryData<string> Texts() => new()
    {
        "",
        "short: \"quoted\"\nnew line",
        string.Concat(Enumerable.Repeat("A long answer: \"quoted\", a\\b, 退款要多久？ <b>&amp;</b>\n\t\u0001 \u2028 😀 ", 20)),
        new string('x', JsonStrings.MinLength),
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Write_SameJsonAsTheWriterItself_EveryTimeTheSameStringIsWritten(string text)
    {
        var expected = Written(w => w.WriteString("answer", text));

        Assert.Equal(expected, Written(w => JsonStrings.Write(w, "answer", text)));
        Assert.Equal(expected, Written(w => JsonStrings.Write(w, "answer", text)));
        Assert.Equal(Written(w => w.WriteStringValue(text), asValue: true), Written(w => JsonStrings.WriteValue(w, text), asValue: true));
        Assert.Equal(text, JsonDocument.Parse(Written(w => JsonStrings.Write(w, "answer", text))).RootElement.GetProperty("answer").GetString());
    }

    [Fact]
    public void Converter_LongValuesAndDictionaryKeys_SameJsonAsWithoutIt_AndReadsBack()
    {
        var answer = string.Concat(Enumerable.Repeat("Ships in 3–5 days.\n\"Express\": next day. ", 30));
        var value = new { answer, turns = new[] { answer, "hi" }, details = new Dictionary<string, string> { ["a \"key\""] = answer } };
        var plain = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JsonStrings.Encoder };
        var converting = new JsonSerializerOptions(plain) { Converters = { JsonStrings.Converter } };

        var json = JsonSerializer.Serialize(value, converting);

        Assert.Equal(JsonSerializer.Serialize(value, plain), json);
        var read = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json, converting)!;
        Assert.Equal(answer, read["answer"].GetString());
        Assert.Equal(answer, JsonSerializer.Deserialize<Dictionary<string, string>>(read["details"].GetRawText(), converting)!["a \"key\""]);
    }

    /// <summary>The JSON of an object with what <paramref name="write"/> writes: a property, or with <paramref name="asValue"/>
    /// the value of property "v".</summary>
    private static string Written(Action<Utf8JsonWriter> write, bool asValue = false)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Relaxed))
        {
            writer.WriteStartObject();
            if (asValue)
            {
                writer.WritePropertyName("v");
            }
            write(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
