using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using WorkflowEngine.Caching;
using WorkflowEngine.Caching.Semantic;
using WorkflowEngine.Knowledge;
using WorkflowTesting.CacheEval;

namespace CacheEval;

/// <summary>
/// <c>--fit</c>: fits <see cref="HitModel"/> on the tuning part of the question set and writes it (hit-model.json). Only the
/// tuning part is read; the sealed part is never loaded here. Pairs: each tuning question against its nearest cached
/// questions (the warm cache plus every other tuning question). Logistic regression by ML.NET's L-BFGS trainer on
/// standardised features (so that the L2 penalty weighs every feature alike), folded back to raw weights. The thresholds are
/// chosen on out-of-fold probabilities (5 folds by question) so that they reflect questions the weights did not see.
/// </summary>
internal static class HitModelFit
{
    private const int Folds = 5;
    private const float L2 = 1f;

    public static int Run(string setPath, string outPath, int seed)
    {
        var set = EvalQuestionSet.Load(setPath);
        using var embedder = new MiniLmEmbedder();
        using var confirmation = new ArcticRetrievalConfirmation();
        var kb = EvalKnowledgeBase.FromArticles(SampleKnowledgeBase.Articles.Select(a => (a.Name, a.Text)), embedder);
        var eval = new CacheEvaluation(embedder, kb, confirmation) { MemoizeEmbeddings = true };
        var tune = set.ReplayOrder(EvalQuestionSet.Tune, seed);
        var warm = set.Warm();
        var pairs = eval.TrainingPairs(tune, warm, new SemanticMatchOptions());
        Console.WriteLine(Invariant($"Tuning part: {tune.Count} questions, {pairs.Count} pairs ({pairs.Count(p => p.Label)} same article), seed {seed}."));

        var model = Fit(pairs, seed);
        var fold = tune.Select((q, i) => (q, i)).ToDictionary(x => x.q, x => x.i % Folds);
        var foldModels = Enumerable.Range(0, Folds).Select(f => Fit([.. pairs.Where(p => fold[p.Question] != f)], seed)).ToArray();
        var grid = Enumerable.Range(0, 50).Select(i => Math.Round(0.5 + i * 0.01, 2)).ToList();
        var curve = grid.Select(t => (Threshold: t, Result: Replay(eval, tune, warm, t, q => foldModels[fold[q]]))).ToList();
        Console.WriteLine("Cross-validated replay of the tuning part (each question decided by the model fitted without its fold):");
        Console.WriteLine("| t | paraphrases served | hits correct | wrong | out of scope |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (t, r) in curve.Where(c => Math.Round(c.Threshold * 100) % 5 == 0 || c.Threshold >= 0.9))
        {
            Console.WriteLine(Invariant($"| {t:0.00} | {r.Paraphrases} | {r.Correct}/{r.Hits} | {r.Hits - r.Correct - r.OutOfScope} | {r.OutOfScope} |"));
        }

        // The smallest threshold from which on every higher one keeps the property: a single lucky point is no choice.
        double From(Func<SimResult, bool> ok) =>
            grid.Where(t => curve.Where(c => c.Threshold >= t).All(c => ok(c.Result))).DefaultIfEmpty(0.99).Min();
        var balanced = From(r => r.Precision >= 0.99 && r.OutOfScope == 0);
        var strict = Math.Max(From(r => r.Correct == r.Hits), balanced);
        if (strict <= balanced)
        {
            strict = balanced + (1 - balanced) / 2;
        }

        // Lenient trades precision for hits on purpose, so the lowest threshold that reaches it is enough.
        var lenient = Math.Min(grid.Where(t => curve.Single(c => c.Threshold == t).Result is { Precision: >= 0.95, OutOfScope: 0 }).DefaultIfEmpty(balanced).Min(), balanced);
        model = model with
        {
            Thresholds = new Dictionary<MatchStrictness, double>
            {
                [MatchStrictness.Lenient] = Math.Round(lenient, 3),
                [MatchStrictness.Balanced] = Math.Round(balanced, 3),
                [MatchStrictness.Strict] = Math.Round(strict, 3),
            },
            Provenance = Invariant($"Fitted by `CacheEval --eval-set {Path.GetFileName(setPath)} --fit <this file> --seed {seed}` on the set's tuning part only ({tune.Count} questions, warm cache of {set.Warm().Count} canonical questions, embedded sample knowledge base): {pairs.Count} pairs, each question against its {new SemanticMatchOptions().MaxCandidates} nearest other cached questions at or above the similarity floor, label = same article. ML.NET L-BFGS logistic regression, L2 {L2}, standardised features, MLContext seed {seed}; a feature whose weight goes against its known direction (closeness raises, contradiction lowers) is dropped and the model refitted until none does (their weights are 0). Thresholds from a {Folds}-fold cross-validated replay of the tuning part (folds by question, replay order mod {Folds}; each question decided by the model fitted without its fold): lenient = the lowest with ≥ 95 % of hits correct and no out-of-scope hit, balanced = ≥ 99 % and no out-of-scope hit, strict = no wrong hit (at least halfway from balanced to 1); balanced and strict each the lowest from which every higher threshold keeps it."),
        };
        Console.WriteLine(Invariant($"Thresholds: lenient {lenient:0.000}, balanced {balanced:0.000}, strict {strict:0.000}."));
        Console.WriteLine("Weights (raw features):");
        for (var i = 0; i < HitFeatures.Names.Count; i++)
        {
            Console.WriteLine(Invariant($"  {HitFeatures.Names[i],-18} {model.Weights[i],8:0.000}"));
        }

        Console.WriteLine(Invariant($"  {"bias",-18} {model.Bias,8:0.000}"));
        File.WriteAllText(outPath, model.ToJson() + "\n");
        Console.WriteLine($"Wrote {outPath}.");
        return 0;
    }

    private sealed class Row
    {
        public bool Label { get; set; }

        public float[] Features { get; set; } = [];
    }

    // The direction each kind of evidence may push the probability, known before any data: closeness and agreement can only
    // raise it, contradictions only lower it. A weight against its direction fits a quirk of the tuning questions (e.g. their
    // near-misses share many words, which would teach "shared words are bad" and refuse "How long do refunds take?").
    private static readonly Dictionary<string, int> Direction = new(StringComparer.Ordinal)
    {
        ["similarity"] = 1, ["cjkSimilarity"] = 1, ["sameArticle"] = 1, ["retrievalMargin"] = 1, ["retrievalScore"] = 1, ["rivalMargin"] = 1,
        ["confirmed"] = 1, ["sharedWords"] = 1, ["lengthRatio"] = 1, ["cachedRetrievalMargin"] = 1, ["cachedRetrievalScore"] = 1, ["retrievalOverlap"] = 1, ["frameOverlap"] = 1,
        ["neitherRetrieves"] = -1, ["negationDiffers"] = -1, ["numbersDiffer"] = -1, ["entitiesDiffer"] = -1, ["coverageFails"] = -1,
        ["substitutionFails"] = -1, ["offArticleWords"] = -1, ["cachedOffArticleWords"] = -1, ["groundedSwap"] = -1, ["namesDiffer"] = -1,
        ["polarityDiffers"] = -1, ["wordsElsewhere"] = -1, ["cachedWordsElsewhere"] = -1,
    };

    /// <summary>Fits with every feature, then drops the feature whose weight most goes against its <see cref="Direction"/> and
    /// refits, until none does (backward elimination under sign constraints).</summary>
    private static HitModel Fit(IReadOnlyList<TrainingPair> pairs, int seed)
    {
        var dropped = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var model = Fit(pairs, seed, dropped);
            var worst = HitFeatures.Names.Select((name, j) => (name, Against: -Direction.GetValueOrDefault(name) * model.Weights[j] * Spread(pairs, j)))
                .Where(x => x.Against > 1e-6).OrderByDescending(x => x.Against).FirstOrDefault();
            if (worst.name is null)
            {
                return model;
            }

            dropped.Add(worst.name);
        }
    }

    private static double Spread(IReadOnlyList<TrainingPair> pairs, int j)
    {
        var mean = pairs.Average(p => p.Features[j]);
        return Math.Sqrt(pairs.Average(p => (p.Features[j] - mean) * (p.Features[j] - mean)));
    }

    private static HitModel Fit(IReadOnlyList<TrainingPair> pairs, int seed, HashSet<string> unused)
    {
        var n = HitFeatures.Names.Count;
        var mean = new double[n];
        var scale = new double[n];
        for (var j = 0; j < n; j++)
        {
            mean[j] = pairs.Average(p => p.Features[j]);
            var sd = Math.Sqrt(pairs.Average(p => (p.Features[j] - mean[j]) * (p.Features[j] - mean[j])));
            scale[j] = sd > 1e-9 ? sd : 1;
        }

        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, n);
        var rows = pairs.Select(p => new Row { Label = p.Label, Features = [.. p.Features.Select((v, j) => unused.Contains(HitFeatures.Names[j]) ? 0f : (float)((v - mean[j]) / scale[j]))] }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows, schema);
        var trainer = ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
        {
            L2Regularization = L2,
            L1Regularization = 0,
            NumberOfThreads = 1,
            OptimizationTolerance = 1e-7f,
        });
        var fitted = trainer.Fit(data);
        var linear = fitted.Model.SubModel;
        var calibrator = fitted.Model.Calibrator;
        // ML.NET's probability is 1 / (1 + exp(slope · score + offset)); folded into one logit over raw features.
        var weights = linear.Weights.ToArray();
        var raw = new double[n];
        var bias = (double)linear.Bias;
        for (var j = 0; j < n; j++)
        {
            if (unused.Contains(HitFeatures.Names[j]))
            {
                continue;
            }

            raw[j] = -calibrator.Slope * weights[j] / scale[j];
            bias -= weights[j] * mean[j] / scale[j];
        }

        return new HitModel
        {
            Features = HitFeatures.Names,
            Weights = raw,
            Bias = -calibrator.Slope * bias - calibrator.Offset,
            Thresholds = new Dictionary<MatchStrictness, double> { [MatchStrictness.Balanced] = 0.5 },
        };
    }

    private sealed record SimResult(int Hits, int Correct, int OutOfScope, int Paraphrases)
    {
        public double Precision => Hits == 0 ? 1 : (double)Correct / Hits;
    }

    private static SimResult Replay(CacheEvaluation eval, IReadOnlyList<EvalQuestion> tune, IReadOnlyList<EvalQuestion> warm, double threshold, Func<EvalQuestion, HitModel> modelFor)
    {
        var r = eval.RunMatcher(tune, new SemanticMatchOptions { HitProbability = threshold }, warm: warm, modelFor: modelFor);
        return new SimResult(r.Hits, r.CorrectHits, r.OutOfScopeHits, r.ParaphrasesServed);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
