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

    /// <summary>What each strictness gave on the sealed part of the evaluation set, written by the report that measured this
    /// model (<c>bench/CacheEval --eval-set … --record</c>) for the inspector to show; empty until then (a refit starts empty).</summary>
    [JsonPropertyName("measured")]
    public IReadOnlyDictionary<MatchStrictness, MeasuredStrictness> Measured { get; init; } = new Dictionary<MatchStrictness, MeasuredStrictness>();

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

    /// <summary>The strictness levels a gate can choose between, most lenient first: Balanced, and Lenient or Strict only when
    /// their threshold differs from Balanced's (when the fit put Lenient at Balanced's threshold, offering both would be a
    /// choice that changes nothing).</summary>
    [JsonIgnore]
    public IReadOnlyList<MatchStrictness> DistinctLevels =>
    [
        .. Threshold(MatchStrictness.Lenient) < Threshold(MatchStrictness.Balanced) ? [MatchStrictness.Lenient] : Array.Empty<MatchStrictness>(),
        MatchStrictness.Balanced,
        .. Threshold(MatchStrictness.Strict) > Threshold(MatchStrictness.Balanced) ? [MatchStrictness.Strict] : Array.Empty<MatchStrictness>(),
    ];

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

/// <summary>What one strictness gave on a part of the evaluation set.</summary>
/// <param name="Part">Which part and set, e.g. "sealed part of questions-eval.json".</param>
/// <param name="MeasuredOn">When (UTC, ISO 8601 date).</param>
public sealed record MeasuredStrictness(
    [property: JsonPropertyName("paraphrasesServed")] int ParaphrasesServed,
    [property: JsonPropertyName("paraphrases")] int Paraphrases,
    [property: JsonPropertyName("hitsCorrect")] int HitsCorrect,
    [property: JsonPropertyName("hits")] int Hits,
    [property: JsonPropertyName("outOfScopeHits")] int OutOfScopeHits,
    [property: JsonPropertyName("part")] string Part,
    [property: JsonPropertyName("measuredOn")] string MeasuredOn);
