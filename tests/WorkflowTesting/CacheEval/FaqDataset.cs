using System.Text.Json;
using System.Text.Json.Serialization;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Text;

namespace WorkflowTesting.CacheEval;

/// <summary>An evaluation set in the shape of faq-dev.json: per intent (= knowledge-base article name) a canonical question and
/// paraphrases, plus out-of-scope questions the knowledge base does not answer.</summary>
public sealed record FaqDataset(
    [property: JsonPropertyName("intents")] IReadOnlyDictionary<string, FaqIntent> Intents,
    [property: JsonPropertyName("out_of_scope")] IReadOnlyList<string> OutOfScope)
{
    public static FaqDataset Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The dataset file \"{path}\" does not exist.", path);
        }

        try
        {
            var dataset = JsonSerializer.Deserialize<FaqDataset>(File.ReadAllText(path));
            if (dataset?.Intents is null || dataset.Intents.Count == 0)
            {
                throw new InvalidDataException($"\"{path}\" has no \"intents\".");
            }

            return dataset with { OutOfScope = dataset.OutOfScope ?? [] };
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"\"{path}\" is not a dataset in the faq-dev.json format: {ex.Message}", ex);
        }
    }

    /// <summary>The engine's own sample question set (same shape), for the CI smoke run.</summary>
    public static FaqDataset FromQuestionSet(WorkflowEngine.Knowledge.QuestionSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return new FaqDataset(set.Intents.ToDictionary(i => i.Key, i => new FaqIntent(i.Value.Canonical, i.Value.Paraphrases)), set.OutOfScope ?? []);
    }

    /// <summary>The replay order: every canonical question first (in file order), then paraphrases and out-of-scope
    /// questions shuffled with a fixed seed, so runs are repeatable.</summary>
    public IReadOnlyList<EvalQuestion> ReplayOrder(int seed = 42)
    {
        var canonical = Intents.Select(i => new EvalQuestion(i.Value.Canonical, i.Key, EvalQuestionKind.Canonical)).ToList();
        var rest = Intents.SelectMany(i => i.Value.Paraphrases.Select(p => new EvalQuestion(p, i.Key, EvalQuestionKind.Paraphrase)))
            .Concat(OutOfScope.Select(q => new EvalQuestion(q, null, EvalQuestionKind.OutOfScope)))
            .ToList();
        var random = new Random(seed);
        for (var i = rest.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (rest[i], rest[j]) = (rest[j], rest[i]);
        }

        return [.. canonical, .. rest];
    }
}

public sealed record FaqIntent(
    [property: JsonPropertyName("canonical")] string Canonical,
    [property: JsonPropertyName("paraphrases")] IReadOnlyList<string> Paraphrases);

public enum EvalQuestionKind
{
    Canonical,
    Paraphrase,
    OutOfScope,

    /// <summary>An adversarial question that an article does answer, worded close to a question about another one
    /// (e.g. "cancel my account" beside "cancel my order"): serving its own article's answer is right, any other is wrong.</summary>
    NearMiss,
}

/// <param name="Intent">The knowledge-base article that answers it; null for out-of-scope questions.</param>
public sealed record EvalQuestion(string Text, string? Intent, EvalQuestionKind Kind)
{
    public bool IsCjk => CjkText.Contains(Text);

    /// <summary>What kind of phrasing it is (<see cref="EvalQuestionSet"/> categories); null in faq-dev-shaped sets.</summary>
    public string? Category { get; init; }
}
