using System.Text.Json;
using System.Text.Json.Serialization;

namespace WorkflowTesting.CacheEval;

/// <summary>
/// The evaluation set of issue #14 (questions-eval.json, embedded in this assembly so a fresh clone has it): a warm cache
/// of one question per article and language, and items with their article (null: no article answers it on its own),
/// category, language and a split fixed once by scripts/cache-eval-questions.py. Tune on <see cref="Tune"/> only; report on
/// <see cref="Sealed"/>.
/// </summary>
public sealed record EvalQuestionSet(
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("canonical")] IReadOnlyDictionary<string, EvalCanonical> Canonical,
    [property: JsonPropertyName("items")] IReadOnlyList<EvalSetItem> Items)
{
    public const string Tune = "tune";
    public const string Sealed = "sealed";
    public const string ParaphraseCategory = "paraphrase";

    private const string ResourceName = "WorkflowTesting.CacheEval.questions-eval.json";

    /// <summary>The copy embedded in this assembly (tests/WorkflowTesting/CacheEval/questions-eval.json).</summary>
    public static EvalQuestionSet LoadEmbedded()
    {
        using var stream = typeof(EvalQuestionSet).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidDataException($"The resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), ResourceName);
    }

    public static EvalQuestionSet Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), path) : throw new FileNotFoundException($"The question set \"{path}\" does not exist.", path);

    public static EvalQuestionSet Parse(string json, string source = "question set")
    {
        try
        {
            var set = JsonSerializer.Deserialize<EvalQuestionSet>(json);
            return set?.Items is { Count: > 0 } && set.Canonical is { Count: > 0 }
                ? set
                : throw new InvalidDataException($"\"{source}\" has no \"canonical\" questions or no \"items\".");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"\"{source}\" is not a questions-eval.json set: {ex.Message}", ex);
        }
    }

    /// <summary>The warm cache: every article's English question, then every article's Chinese question.</summary>
    public IReadOnlyList<EvalQuestion> Warm() =>
        [.. Canonical.Select(c => new EvalQuestion(c.Value.English, c.Key, EvalQuestionKind.Canonical)),
            .. Canonical.Select(c => new EvalQuestion(c.Value.Chinese, c.Key, EvalQuestionKind.Canonical))];

    /// <summary>The items of one split in a replay order shuffled with <paramref name="seed"/>, so runs are repeatable.</summary>
    public IReadOnlyList<EvalQuestion> ReplayOrder(string split, int seed = 42)
    {
        var questions = Items.Where(i => i.Split == split).Select(i => i.ToQuestion()).ToList();
        var random = new Random(seed);
        for (var i = questions.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (questions[i], questions[j]) = (questions[j], questions[i]);
        }

        return questions;
    }
}

public sealed record EvalCanonical(
    [property: JsonPropertyName("en")] string English,
    [property: JsonPropertyName("zh")] string Chinese);

/// <param name="Intent">The article that answers it; null when none does on its own (out of scope, or a follow-up that
/// needs the conversation before it).</param>
public sealed record EvalSetItem(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("intent")] string? Intent,
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("language")] string Language,
    [property: JsonPropertyName("split")] string Split)
{
    public EvalQuestion ToQuestion() => new(Text, Intent,
        Intent is null ? EvalQuestionKind.OutOfScope
        : Category == EvalQuestionSet.ParaphraseCategory ? EvalQuestionKind.Paraphrase
        : EvalQuestionKind.NearMiss)
    { Category = Category };
}
