using System.Globalization;
using System.Text.Json;
using WorkflowEngine.Graphs;

namespace WorkflowStudio.Components.Designer;

/// <summary>The one-line settings summary shown on a node card (the model, the knowledge base, the first words of a template).</summary>
public static class NodeSummary
{
    private const int MaxLength = 42;

    /// <param name="knowledgeBaseName">Resolves a knowledge-base id to its display name, when known.</param>
    public static string Describe(NodeDefinition node, Func<string, string?>? knowledgeBaseName = null)
    {
        var s = node.Settings;
        return node.Type switch
        {
            "start" => "Receives the user's message",
            "clean" => DescribeClean(s),
            "retrieve" => DescribeRetrieve(s, knowledgeBaseName),
            "template" => Shorten(Text(s, "template")) is { Length: > 0 } t ? t : "Empty template",
            "llm" => DescribeLlm(s),
            "cache" => DescribeCache(s),
            "answer" => Shorten(Text(s, "template") ?? "{{ llm.text }}") ?? "",
            _ => "",
        };
    }

    private static string DescribeClean(JsonElement s)
    {
        string[] steps = ["trim", "nfkc", "lowercase", "stripPunctuation", "collapseWhitespace"];
        var on = steps.Count(step => Bool(s, step) ?? true);
        var synonyms = s.ValueKind == JsonValueKind.Object && s.TryGetProperty("synonyms", out var syn) && syn.ValueKind == JsonValueKind.Array
            ? syn.GetArrayLength()
            : 0;
        var text = on == 1 ? "1 step" : string.Create(CultureInfo.InvariantCulture, $"{on} steps");
        return synonyms switch
        {
            0 => text,
            1 => text + " · 1 synonym",
            _ => string.Create(CultureInfo.InvariantCulture, $"{text} · {synonyms} synonyms"),
        };
    }

    private static string DescribeRetrieve(JsonElement s, Func<string, string?>? knowledgeBaseName)
    {
        var id = Text(s, "knowledgeBaseId");
        var kb = string.IsNullOrWhiteSpace(id) ? "No knowledge base" : knowledgeBaseName?.Invoke(id) ?? id;
        var topK = Number(s, "topK") ?? 3;
        var mode = Text(s, "mode") ?? "hybrid";
        return Shorten(string.Create(CultureInfo.InvariantCulture, $"{kb} · top {topK:0} · {mode}"))!;
    }

    private static string DescribeLlm(JsonElement s)
    {
        var model = Text(s, "model");
        var temperature = Number(s, "temperature") ?? 0.2;
        var name = string.IsNullOrWhiteSpace(model) ? "Default model" : model;
        return Shorten(string.Create(CultureInfo.InvariantCulture, $"{name} · temp {temperature:0.##}"))!;
    }

    private static string DescribeCache(JsonElement s)
    {
        var mode = Text(s, "matchMode") ?? "exact";
        if (mode == "semantic")
        {
            var threshold = Number(s, "threshold");
            return threshold is { } t
                ? string.Create(CultureInfo.InvariantCulture, $"Similar questions (≥ {t:0.##})")
                : "Similar questions";
        }
        return "Same question (exact)";
    }

    private static string? Text(JsonElement s, string name) =>
        s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Number(JsonElement s, string name) =>
        s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static bool? Bool(JsonElement s, string name) =>
        s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? v.GetBoolean()
            : null;

    private static string? Shorten(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var oneLine = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= MaxLength ? oneLine : oneLine[..(MaxLength - 1)].TrimEnd() + "…";
    }
}
