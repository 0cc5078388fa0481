using System.Text.Json;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Tests.Runs;

/// <summary>The stored trace's JSON, written by the recorder's own writer, is exactly what the trace's serializer options write
/// and read back.</summary>
public sealed class RunTraceJsonTests
{
    [Fact]
    public void SerializeTrace_SameJsonAsTheSerializerOptions_AndReadsBackEqual()
    {
        RunTraceEntry[] trace =
        [
            new("start", "start", "Start", RunTraceEntry.Succeeded, "bypass", null, 0.0123456789, null, null, null,
                """{"query":"我要退款 <b>&amp;</b> \"now\"\n"}""", null, null),
            new("cache", "cache", "Response cache", RunTraceEntry.Succeeded, "hit", "L1", 1.5, null, null, 812.25,
                """{"hit":true,"answer":"It's 3–5 days."}""", null,
                new Dictionary<string, string> { ["matchedQuestion"] = "退款要多久？", ["similarity"] = "0.93" }) { Port = "hit" },
            new("llm", "llm", "LLM", RunTraceEntry.Skipped, null, null, 0, 10, 20, null, null, "answered from cache", null),
            new("answer", "answer", "Answer", RunTraceEntry.Failed, null, null, 2, null, null, null, null, "Stopped: the run was cancelled.", null),
            new("empty", "template", "", RunTraceEntry.Succeeded, "miss", null, double.Epsilon, null, null, null, new string('x', 600) + "\u2028", null, null),
        ];

        var written = RunRecorder.SerializeTrace(trace);

        Assert.Equal(JsonSerializer.Serialize<IReadOnlyList<RunTraceEntry>>(trace, RunRecorder.TraceJson), written);
        Assert.Contains("我要退款", written, StringComparison.Ordinal);
        var read = JsonSerializer.Deserialize<List<RunTraceEntry>>(written, RunRecorder.TraceJson)!;
        Assert.Equal(trace.Length, read.Count);
        for (var i = 0; i < trace.Length; i++)
        {
            Assert.Equal(trace[i] with { Details = null }, read[i] with { Details = null });
            Assert.Equal(trace[i].Details ?? new Dictionary<string, string>(), read[i].Details ?? new Dictionary<string, string>());
        }
    }

    [Fact]
    public void SerializeTrace_Empty_IsAnEmptyArray() => Assert.Equal("[]", RunRecorder.SerializeTrace([]));
}
