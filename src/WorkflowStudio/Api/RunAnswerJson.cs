using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using WorkflowEngine.Execution;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Api;

/// <summary>The body of a succeeded run: <c>/run</c>'s answer and the <c>done</c> event of <c>/run/stream</c>. Its shape is
/// <see cref="RunResponse"/> (the admin key: the whole trace) or <see cref="RunSummaryResponse"/> (a run key), as the API
/// document describes; it is written here rather than by serializing those records because it is written on every answer:
/// the answer goes out already escaped (<see cref="JsonStrings"/>), each trace entry through generated code, and the body with
/// its length instead of in chunks (bench/ApiLoad, docs/benchmarks.md "HTTP API").</summary>
internal static class RunAnswerJson
{
    /// <summary>The body as UTF-8.</summary>
    public static byte[] ToUtf8(CompletedRun run, bool runKey) =>
        ScratchJson.Write((run, runKey), static (writer, s) => Write(writer, s.run, s.runKey), static (utf8, _) => utf8.ToArray());

    /// <summary>The body as a 200 response.</summary>
    public static IResult Result(CompletedRun run, bool runKey) => new Body(run, runKey);

    private static void Write(Utf8JsonWriter writer, CompletedRun run, bool runKey)
    {
        writer.WriteStartObject();
        writer.WriteString("runId", run.RunId);
        writer.WriteString("conversationId", run.ConversationId);
        JsonStrings.Write(writer, "answer", run.Answer ?? "");
        writer.WriteNumber("elapsedMs", run.ElapsedMs);
        writer.WriteStartArray("trace");
        foreach (var entry in run.Trace)
        {
            if (runKey)
            {
                JsonSerializer.Serialize(writer, RunStepSummary.Of(entry), RunAnswerJsonContext.Default.RunStepSummary);
            }
            else
            {
                JsonSerializer.Serialize(writer, entry, RunAnswerJsonContext.Default.RunTraceEntry);
            }
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private sealed class Body(CompletedRun run, bool runKey) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            ScratchJson.Write((run, runKey, response), static (writer, s) => Write(writer, s.run, s.runKey), static (utf8, s) =>
            {
                s.response.ContentLength = utf8.Length;
                s.response.BodyWriter.Write(utf8);
                return true;
            });
            await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
        }
    }
}

/// <summary>The trace entries of a run's API answer, as the HTTP API's JSON options write them (nulls included).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RunTraceEntry))]
[JsonSerializable(typeof(RunStepSummary))]
internal sealed partial class RunAnswerJsonContext : JsonSerializerContext;
