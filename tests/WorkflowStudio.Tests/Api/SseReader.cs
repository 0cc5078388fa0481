using System.Text.Json;

namespace WorkflowStudio.Tests.Api;

public sealed record SseEvent(string Name, JsonElement Data);

/// <summary>Parses a text/event-stream response as it arrives (event: / data: lines, blank line ends an event).</summary>
public static class SseReader
{
    /// <summary>What each event's data is, as the OpenAPI document names it.</summary>
    private static readonly Dictionary<string, string> Components = new(StringComparer.Ordinal)
    {
        ["node"] = "RunTraceEntry", ["token"] = "TokenEvent", ["done"] = "RunResponse", ["error"] = "ApiProblem",
    };

    /// <param name="contract">When given, every event must be one the document names, with data valid against its schema.</param>
    public static async Task<List<SseEvent>> ReadAllAsync(HttpResponseMessage response, WorkflowTesting.OpenApiContract? contract = null)
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
                    var json = string.Join("\n", data);
                    if (contract is not null)
                    {
                        var violations = Components.TryGetValue(name ?? "message", out var component)
                            ? contract.CheckComponent(component, json)
                            : [$"event '{name}' is not one the document names"];
                        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
                    }
                    events.Add(new SseEvent(name ?? "message", JsonDocument.Parse(json).RootElement.Clone()));
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
