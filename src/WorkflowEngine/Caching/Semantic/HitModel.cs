using System.Text.Json;
using System.Text.Json.Serialization;

namespace WorkflowEngine.Caching.Semantic;

/// <summary>
/// The calibrated hit decision: a logistic regression over <see cref="HitFeatures"/> (both questions' similarity, whether
/// they retrieve the same article and how surely, closeness of rival answers, the second model's agreement, and the
/// lexical checks' verdicts) that gives the probability that the cached answer is the right answer to the new question.
/// Hand-set rules each had to be right alone, and on unseen phrasings one rule too lenient let wrong answers through; the
/// model weighs all the evidence at once and its threshold is chosen for a measured precision.
/// The weights are fitted offline on the tuning part of the evaluation set by <c>bench/CacheEval --fit</c> and committed as
/// <c>hit-model.json</c> beside this file (its <c>provenance</c> names the data, seed and command); docs/caching.md explains
/// the thresholds and docs/benchmarks.md shows what they give on the sealed part.
/// </summary>
public sealed record HitModel
{
    [JsonPropertyName("features")]
    public required IReadOnlyList<string> Features { get; init; }

    [JsonPropertyName("weights")]
    public required IReadOnlyList<double> Weights { get; init; }

    [JsonPropertyName("bias")]
    public double Bias { get; init; }

    /// <summary>Probability thresholds per <see cref="MatchStrictness"/>.</summary>
    [JsonPropertyName("thresholds")]
    public required IReadOnlyDictionary<MatchStrictness, double> Thresholds { get; init; }

    /// <summary>What the weights were fitted on, how, and how the thresholds were chosen.</summary>
    [JsonPropertyName("provenance")]
    public string Provenance { get; init; } = string.Empty;

    public const string ResourceName = "WorkflowEngine.Caching.Semantic.hit-model.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static readonly Lazy<HitModel> Embedded = new(() =>
    {
        using var stream = typeof(HitModel).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded hit model {ResourceName} is missing.");
        return Parse(JsonSerializer.Deserialize<HitModel>(stream, Json));
    });

    /// <summary>The model that ships with the engine.</summary>
    public static HitModel Default => Embedded.Value;

    /// <summary>The threshold for <paramref name="strictness"/>.</summary>
    public double Threshold(MatchStrictness strictness) => Thresholds.TryGetValue(strictness, out var t) ? t : Thresholds[MatchStrictness.Balanced];

    /// <summary>The hit probability for a feature vector laid out as <see cref="HitFeatures.Names"/>.</summary>
    public double Probability(ReadOnlySpan<double> features)
    {
        var z = Bias;
        for (var i = 0; i < features.Length; i++)
        {
            z += Weights[i] * features[i];
        }

        return 1 / (1 + Math.Exp(-z));
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static HitModel FromJson(string json) => Parse(JsonSerializer.Deserialize<HitModel>(json, Json));

    private static HitModel Parse(HitModel? model)
    {
        // A model fitted for another feature layout would silently weigh the wrong evidence.
        if (model is null || !model.Features.SequenceEqual(HitFeatures.Names, StringComparer.Ordinal) || model.Weights.Count != HitFeatures.Names.Count
            || !model.Thresholds.ContainsKey(MatchStrictness.Balanced))
        {
            throw new InvalidDataException($"The hit model does not match the features {string.Join(", ", HitFeatures.Names)}; refit it with bench/CacheEval --fit.");
        }

        return model;
    }
}
