// Classify step evaluation: how well the step's example matching (ClassifyNode.ExampleIndex, the built-in embedding model)
// with the routing sample's classes routes shop questions to "orders", "account" or the fallback, and which confidence
// threshold to ship as the default.
//
//   dotnet build -c Release bench/ClassifyEval/ClassifyEval.csproj
//   dotnet bench/ClassifyEval/bin/Release/net10.0/ClassifyEval.dll [--phrases <file>] [--misses]   (--misses: the tuning phrases' only)
//
// The threshold is chosen on the "tuning" phrases only (the middle of the range with the best accuracy); the "sealed" phrases
// are read once, for the report, beside two plain baselines from the same run: no threshold (every question gets a class) and
// comparing with each class's mean vector instead of its nearest example. Results: docs/benchmarks.md, "Classify step".
using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Nodes.Types;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var path = Path.Combine(AppContext.BaseDirectory, "phrases.json");
var misses = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--phrases" when i + 1 < args.Length: path = args[++i]; break;
        case "--misses": misses = true; break;
        default:
            Console.Error.WriteLine("Usage: ClassifyEval [--phrases <file>] [--misses]");
            return 2;
    }
}

PhraseSet set;
try
{
    set = JsonSerializer.Deserialize<PhraseSet>(File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web))
        ?? throw new InvalidDataException("The phrase set is empty.");
}
catch (Exception ex) when (ex is IOException or JsonException or InvalidDataException)
{
    Console.Error.WriteLine($"Cannot read {path}: {ex.Message}");
    return 2;
}

using var embeddings = new MiniLmEmbeddingGenerator();
await embeddings.WarmUpAsync();
var examples = set.Examples ?? SampleWorkflows.RoutingClasses.ToDictionary(c => c.Name, c => c.Examples.ToList());
var classes = examples.Keys.ToList();
var sw = Stopwatch.StartNew();
var index = await ClassifyNode.ExampleIndex.BuildAsync(embeddings, classes, [.. classes.Select(c => (IReadOnlyList<string>)examples[c])], CancellationToken.None);
var indexMs = sw.Elapsed.TotalMilliseconds;

// Each class's mean vector, for the centroid baseline.
var centroids = new Dictionary<string, float[]>();
foreach (var c in classes)
{
    var vectors = await embeddings.GenerateAsync(examples[c]);
    var mean = new float[vectors[0].Vector.Length];
    foreach (var v in vectors)
    {
        TensorPrimitives.Add(mean, v.Vector.Span, mean);
    }
    centroids[c] = mean;
}

async Task<List<Case>> Score(Dictionary<string, List<string>> phrases)
{
    var cases = new List<Case>();
    foreach (var (truth, texts) in phrases)
    {
        foreach (var text in texts)
        {
            var started = Stopwatch.GetTimestamp();
            var vector = (await embeddings.GenerateAsync([text]))[0].Vector;
            var best = index.Score(vector.Span)[0];
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var centroid = centroids.Select(kv => (Class: kv.Key, Score: (double)TensorPrimitives.CosineSimilarity(vector.Span, kv.Value)))
                .OrderByDescending(x => x.Score).First();
            cases.Add(new Case(text, truth, best.Class, best.Score, centroid.Class, centroid.Score, elapsed));
        }
    }
    return cases;
}

var tuning = await Score(set.Tuning);
var sealedCases = await Score(set.Sealed);
var fallback = ClassifyNode.DefaultFallback;

static bool Right(string truth, string cls, double score, double threshold, string fallback) =>
    score >= threshold ? cls == truth : truth == fallback;

static double Accuracy(IEnumerable<Case> cases, Func<Case, (string Class, double Score)> pick, double threshold, string fallback)
{
    var list = cases.ToList();
    return (double)list.Count(c => { var (cls, score) = pick(c); return Right(c.Truth, cls, score, threshold, fallback); }) / list.Count;
}

static double Choose(List<Case> cases, Func<Case, (string, double)> pick, string fallback)
{
    var thresholds = Enumerable.Range(0, 101).Select(i => i / 100.0).ToList();
    var accuracy = thresholds.Select(t => Accuracy(cases, pick, t, fallback)).ToList();
    var best = accuracy.Max();
    // The middle of the widest run of best thresholds: away from both edges of what the tuning phrases allow.
    var runs = new List<(int Start, int End)>();
    for (var i = 0; i < thresholds.Count; i++)
    {
        if (Math.Abs(accuracy[i] - best) > 1e-9)
        {
            continue;
        }
        if (runs.Count > 0 && runs[^1].End == i - 1)
        {
            runs[^1] = (runs[^1].Start, i);
        }
        else
        {
            runs.Add((i, i));
        }
    }
    var widest = runs.OrderByDescending(r => r.End - r.Start).First();
    return Math.Round((thresholds[widest.Start] + thresholds[widest.End]) / 2, 2);
}

Func<Case, (string, double)> nearest = c => (c.Nearest, c.NearestScore);
Func<Case, (string, double)> centroid = c => (c.Centroid, c.CentroidScore);
var chosen = Choose(tuning, nearest, fallback);
var chosenCentroid = Choose(tuning, centroid, fallback);

void Breakdown(string label, List<Case> cases, Func<Case, (string Class, double Score)> pick, double threshold)
{
    var inScope = cases.Where(c => c.Truth != fallback).ToList();
    var outOfScope = cases.Where(c => c.Truth == fallback).ToList();
    var routed = inScope.Count(c => { var (cls, s) = pick(c); return s >= threshold && cls == c.Truth; });
    var wrongClass = inScope.Count(c => { var (cls, s) = pick(c); return s >= threshold && cls != c.Truth; });
    var toFallback = inScope.Count - routed - wrongClass;
    var caught = outOfScope.Count(c => pick(c).Score < threshold);
    Console.WriteLine($"| {label} | {threshold:0.00} | {Accuracy(cases, pick, threshold, fallback):P1} | {routed}/{inScope.Count} | {wrongClass} | {toFallback} | {caught}/{outOfScope.Count} |");
}

Console.WriteLine($"Phrases: {path}");
Console.WriteLine($"Examples: {string.Join(", ", classes.Select(c => $"{c} {examples[c].Count}"))}; tuning {tuning.Count}, sealed {sealedCases.Count} phrases");
Console.WriteLine($"Embedding the examples once: {indexMs:F0} ms; classifying one phrase (embed + score): mean {sealedCases.Concat(tuning).Average(c => c.Ms):F1} ms");
Console.WriteLine($"Threshold chosen on the tuning phrases: {chosen:0.00} (nearest example), {chosenCentroid:0.00} (class mean); the step's default is {ClassifyNode.DefaultMinConfidence:0.00}");
Console.WriteLine();
Console.WriteLine("| method (sealed phrases) | threshold | accuracy | in scope routed right | wrong class | in scope sent to fallback | out of scope sent to fallback |");
Console.WriteLine("|---|---|---|---|---|---|---|");
Breakdown("nearest example, step default", sealedCases, nearest, ClassifyNode.DefaultMinConfidence);
Breakdown("nearest example, tuned", sealedCases, nearest, chosen);
Breakdown("nearest example, no threshold", sealedCases, nearest, 0);
Breakdown("class mean, tuned", sealedCases, centroid, chosenCentroid);
Console.WriteLine();
Console.WriteLine($"Tuning phrases: accuracy {Accuracy(tuning, nearest, chosen, fallback):P1} at {chosen:0.00}; {Accuracy(tuning, nearest, ClassifyNode.DefaultMinConfidence, fallback):P1} at the default");
Console.WriteLine("Tuning accuracy by threshold: " + string.Join(", ", Enumerable.Range(5, 11).Select(i => i * 0.05)
    .Select(t => $"{t:0.00} {Accuracy(tuning, nearest, t, fallback):P0}")));
foreach (var (name, cases) in new[] { ("tuning", tuning), ("sealed", sealedCases) })
{
    var inScope = cases.Where(c => c.Truth != fallback).Select(c => c.NearestScore).Order().ToList();
    var outOfScope = cases.Where(c => c.Truth == fallback).Select(c => c.NearestScore).Order().ToList();
    Console.WriteLine($"{name}: in-scope nearest score min {inScope[0]:0.00} / median {inScope[inScope.Count / 2]:0.00}; out-of-scope max {outOfScope[^1]:0.00} / median {outOfScope[outOfScope.Count / 2]:0.00}");
}
if (misses)
{
    Console.WriteLine();
    // Only the tuning phrases' misses: the sealed ones stay unread, so they cannot steer the examples or the threshold.
    foreach (var c in tuning.Where(c => !Right(c.Truth, c.Nearest, c.NearestScore, ClassifyNode.DefaultMinConfidence, fallback)))
    {
        Console.WriteLine($"tuning miss: \"{c.Text}\" is {c.Truth}, nearest {c.Nearest} {c.NearestScore:0.00}");
    }
}
return 0;

internal sealed record PhraseSet(Dictionary<string, List<string>>? Examples, Dictionary<string, List<string>> Tuning, Dictionary<string, List<string>> Sealed);

internal sealed record Case(string Text, string Truth, string Nearest, double NearestScore, string Centroid, double CentroidScore, double Ms);
