using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.AI;
using WorkflowEngine.Nodes.Types;

namespace WorkflowStudio.Components.Inspector;

/// <summary>The classify step's form: classes (name and example questions) added and removed, the question, the fallback
/// output, the confidence needed, the model switch, and a box that classifies a question with the examples as they stand.</summary>
public partial class ClassifySettings
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>The engine's default, so the form and the engine cannot disagree.</summary>
    private static readonly double DefaultMinConfidence = ClassifyNode.DefaultMinConfidence;

    private string? _trial;
    private bool _trying;
    private TrialResult? _trialResult;

    [Inject] private IServiceProvider Services { get; set; } = null!;

    private double MinConfidence => Settings.GetDouble("minConfidence", DefaultMinConfidence);

    private IReadOnlyList<ClassifyNode.QuestionClass> Classes =>
        Settings.ToElement().TryGetProperty("classes", out var classes) && classes.ValueKind == JsonValueKind.Array
            ? ReadClasses(classes)
            : [];

    private static List<ClassifyNode.QuestionClass> ReadClasses(JsonElement classes)
    {
        try
        {
            return [.. (classes.Deserialize<List<ClassifyNode.QuestionClass?>>(Web) ?? []).Select(c => c ?? new ClassifyNode.QuestionClass())];
        }
        catch (JsonException)
        {
            return []; // the validator says what is wrong with them
        }
    }

    /// <summary>Changes one class's name or examples (one per line; blank lines dropped).</summary>
    private Task SetClass(int index, string? name = null, string? examples = null)
    {
        var classes = Classes.ToList();
        classes[index] = classes[index] with
        {
            Name = name?.Trim() ?? classes[index].Name,
            Examples = examples is null
                ? classes[index].Examples
                : [.. examples.Split('\n').Select(e => e.Trim()).Where(e => e.Length > 0)],
        };
        return SetClasses(classes);
    }

    private Task RemoveClass(int index)
    {
        var classes = Classes.ToList();
        classes.RemoveAt(index);
        return SetClasses(classes);
    }

    private Task AddClass()
    {
        var classes = Classes;
        var n = classes.Count + 1;
        while (classes.Any(c => string.Equals(c.Name, $"class {n}", StringComparison.OrdinalIgnoreCase)))
        {
            n++;
        }
        return SetClasses([.. classes, new ClassifyNode.QuestionClass { Name = $"class {n}" }]);
    }

    private Task SetClasses(IReadOnlyList<ClassifyNode.QuestionClass> classes)
    {
        var settings = (JsonObject)JsonNode.Parse(Settings.ToElement().GetRawText())!;
        settings["classes"] = JsonSerializer.SerializeToNode(classes, Web);
        return OnChange.InvokeAsync(JsonSerializer.SerializeToElement(settings, Web));
    }

    /// <summary>Classifies the trial question the way the step does with its examples (the model switch aside).</summary>
    private async Task TryAsync()
    {
        _trialResult = null;
        if (string.IsNullOrWhiteSpace(_trial))
        {
            _trialResult = new TrialResult("Type a question first.", true);
            return;
        }
        if (Services.GetService(typeof(IEmbeddingGenerator<string, Embedding<float>>)) is not IEmbeddingGenerator<string, Embedding<float>> embeddings)
        {
            _trialResult = new TrialResult("Classifying is not available on this server.", true);
            return;
        }
        var classes = Classes.Where(c => !string.IsNullOrWhiteSpace(c.Name)).ToList();
        if (!classes.Any(c => c.Examples.Any(e => !string.IsNullOrWhiteSpace(e))))
        {
            _trialResult = new TrialResult("Add a class with example questions first.", true);
            return;
        }
        _trying = true;
        StateHasChanged();
        try
        {
            var index = await ClassifyNode.ExampleIndex.BuildAsync(embeddings, [.. classes.Select(c => c.Name)], [.. classes.Select(c => c.Examples)], CancellationToken.None);
            var question = (await embeddings.GenerateAsync([_trial.Trim()])).Single().Vector;
            var scores = index.Score(question.Span);
            var all = string.Join(", ", scores.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Class} {s.Score:0.00}")));
            var fallback = Settings.GetString("fallback") is { Length: > 0 } f && !string.IsNullOrWhiteSpace(f) ? f.Trim() : ClassifyNode.DefaultFallback;
            _trialResult = scores[0].Score >= MinConfidence
                ? new TrialResult($"→ {scores[0].Class} (confidence {scores[0].Score.ToString("0.00", CultureInfo.InvariantCulture)}). Similarity to each class: {all}.", false)
                : new TrialResult($"→ {fallback}: the nearest class, {scores[0].Class}, is at {scores[0].Score.ToString("0.00", CultureInfo.InvariantCulture)}, below the {MinConfidence.ToString("0.00", CultureInfo.InvariantCulture)} needed. Similarity to each class: {all}.", true);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _trialResult = new TrialResult("The question could not be classified: " + e.Message, true);
        }
        finally
        {
            _trying = false;
        }
    }

    private sealed record TrialResult(string Text, bool IsFallback);
}
