using System.Text;
using System.Text.Json;
using WorkflowStudio.Api;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Tests.Api;

/// <summary>A run's API answer, written by hand for speed, is exactly what serializing the documented records
/// (<see cref="RunResponse"/>, <see cref="RunSummaryResponse"/>) with the API's JSON options gives.</summary>
public sealed class RunAnswerJsonTests
{
    private static readonly CompletedRun Run = new("run-1", "wf-1", "conv-1", "退款要多久？", "succeeded",
        string.Concat(Enumerable.Repeat("Refunds take 3–5 days.\n\"Express\" refunds: <b>next day</b> & free. 退款 ", 20)), null, null, null,
        DateTimeOffset.UnixEpoch, 12.345678,
        [
            new("start", "start", "Start", RunTraceEntry.Succeeded, "bypass", null, 0.0123, null, null, null, """{"query":"退款要多久？"}""", null, null),
            new("cache", "cache", "Response cache", RunTraceEntry.Succeeded, "hit", "L1", 1.5, null, null, 812.25, """{"hit":true}""", null,
                new Dictionary<string, string> { ["matchedQuestion"] = "退款多久到账", ["similarity"] = "0.93" }) { Port = "hit" },
            new("llm", "llm", "LLM", RunTraceEntry.Skipped, null, null, 0, 10, 20, null, null, "answered from cache", null),
        ]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ToUtf8_SameJsonAsTheDocumentedRecord(bool runKey)
    {
        object record = runKey
            ? new RunSummaryResponse(Run.RunId, Run.ConversationId, Run.Answer!, Run.ElapsedMs, [.. Run.Trace.Select(RunStepSummary.Of)])
            : new RunResponse(Run.RunId, Run.ConversationId, Run.Answer!, Run.ElapsedMs, Run.Trace);

        var written = Encoding.UTF8.GetString(RunAnswerJson.ToUtf8(Run, runKey));

        Assert.Equal(JsonSerializer.Serialize(record, ApiBody.Json), written);
        Assert.Equal(Run.Answer, JsonDocument.Parse(written).RootElement.GetProperty("answer").GetString());
        Assert.Equal(runKey, !written.Contains("outputPreview", StringComparison.Ordinal));
    }
}
