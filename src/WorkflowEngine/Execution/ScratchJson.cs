using System.Buffers;
using System.Text.Json;

namespace WorkflowEngine.Execution;

/// <summary>This thread's buffer and JSON writer (the relaxed encoder of <see cref="JsonStrings"/>), for JSON that is written
/// and copied out at once: node outputs, a stored trace, a run's API answer. A new writer and buffer for each (or the serializer's
/// own rented ones, and a string between) showed in profiles of cached runs (bench/ApiLoad).</summary>
public static class ScratchJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JsonStrings.Encoder, SkipValidation = true };

    // A buffer grown past this by one large piece of JSON is not kept for the thread's next one.
    private const int MaxKeptBytes = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;
    [ThreadStatic]
    private static bool t_busy;

    /// <summary>Writes with <paramref name="write"/>, then hands the JSON to <paramref name="read"/> (valid only during that
    /// call: copy it out). Nothing may be awaited in between. Nested use (a write that writes other JSON) gets its own buffer.</summary>
    public static TResult Write<TState, TResult>(TState state, Action<Utf8JsonWriter, TState> write, Func<ReadOnlySpan<byte>, TState, TResult> read)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(read);
        var nested = t_busy;
        ArrayBufferWriter<byte> buffer;
        Utf8JsonWriter writer;
        if (nested)
        {
            buffer = new ArrayBufferWriter<byte>(256);
            writer = new Utf8JsonWriter(buffer, Options);
        }
        else
        {
            buffer = t_buffer is { Capacity: <= MaxKeptBytes } kept ? kept : t_buffer = new ArrayBufferWriter<byte>(1024);
            buffer.ResetWrittenCount();
            writer = t_writer ??= new Utf8JsonWriter(buffer, Options);
            writer.Reset(buffer);
        }
        t_busy = true;
        try
        {
            write(writer, state);
            writer.Flush();
            return read(buffer.WrittenSpan, state);
        }
        finally
        {
            t_busy = nested;
        }
    }
}
