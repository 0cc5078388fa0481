using System.Text.Json;

namespace WorkflowStudio.Tests.Api;

public sealed record SseEvent(string Name, JsonElement Data);

/// <summary>Parses a text/event-stream response as it arrives (event: / data: lines, blank line ends an event).</summary>
public static class SseReader
{
    public static async Task<List<SseEvent>> ReadAllAsync(HttpResponseMessage response)
    {
        var events = new List<SseEvent>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    events.Add(new SseEvent(name ?? "message", JsonDocument.Parse(string.Join("\n", data)).RootElement.Clone()));
                }
                name = null;
                data.Clear();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Add(line["data:".Length..].TrimStart());
            }
        }
        return events;
    }
}
