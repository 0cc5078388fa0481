using System.Globalization;
using WorkflowEngine.Caching;
using WorkflowEngine.Caching.Semantic;
using WorkflowEngine.Knowledge;
using WorkflowTesting.CacheEval;

namespace CacheEval;

/// <summary>
/// Issue #14's evaluation: the product's matcher and plain cosine thresholds on the tuning part and the sealed part of
/// questions-eval.json (and on faq-dev when given), in one run. The baseline's "best" threshold is chosen on the tuning
/// part only. Wrong hits are listed for the tuning part and faq-dev; the sealed part reports counts only, so that looking
/// at its sentences cannot steer the next tuning pass.
/// </summary>
internal static class SplitReport
{
    private static readonly double[] FixedThresholds = [0.80, 0.85, 0.90];

    public static int Run(string setPath, string? setKbPath, string? faqDevPath, string? faqKbPath, int seed, bool listMisses = false, string? recordPath = null)
    {
        var set = EvalQuestionSet.Load(setPath);
        using var embedder = new MiniLmEmbedder();
        using var confirmation = new ArcticRetrievalConfirmation();
        var kb = setKbPath is null
            ? EvalKnowledgeBase.FromArticles(SampleKnowledgeBase.Articles.Select(a => (a.Name, a.Text)), embedder)
            : EvalKnowledgeBase.Load(setKbPath, embedder);
        // Embeddings are reused across the threshold scan's replays; this report shows no latency.
        var eval = new CacheEvaluation(embedder, kb, confirmation) { MemoizeEmbeddings = true };
        var warm = set.Warm();
        var tune = set.ReplayOrder(EvalQuestionSet.Tune, seed);
        var sealedPart = set.ReplayOrder(EvalQuestionSet.Sealed, seed);

        Console.WriteLine(Invariant($"Question set {Path.GetFileName(setPath)}: {set.Items.Count} items, tuning part {tune.Count}, sealed part {sealedPart.Count}; warm cache {warm.Count} questions ({set.Canonical.Count} articles × English and Chinese); KB {(setKbPath ?? "the embedded sample knowledge base")} ({kb.Documents.Count} documents); replay seed {seed}."));
        Console.WriteLine();

        // The baseline's threshold, chosen on the tuning part: the most correct hits with ≥ 99 % of hits correct and no
        // out-of-scope hit (the product's target); the higher threshold on a tie.
        var scan = Enumerable.Range(50, 50).Select(p => p / 100.0).Select(t => (Threshold: t, Result: eval.RunBaseline(tune, t, warm))).ToList();
        var best = scan.Where(s => s.Result.HitPrecision >= 0.99 && s.Result.OutOfScopeHits == 0)
            .OrderByDescending(s => s.Result.CorrectHits).ThenByDescending(s => s.Threshold).First().Threshold;
        Console.WriteLine(Invariant($"Cosine threshold scan on the tuning part (0.50–0.99): best under the target (≥ 99 % of hits correct, no out-of-scope hit) is {best:0.00}."));
        Console.WriteLine(EvalResult.SplitHeader);
        foreach (var (_, r) in scan.Where(s => Math.Round(s.Threshold * 100) % 5 == 0 || s.Threshold == best))
        {
            Console.WriteLine(r.SplitRow("all"));
        }

        Console.WriteLine();
        // The chosen threshold last, so that results[^1] is always it.
        var thresholds = FixedThresholds.Where(t => t != best).Append(best).ToList();
        foreach (var (title, questions, listWrong) in new[] { ("Tuning part", tune, true), ("Sealed part", sealedPart, false) })
        {
            var results = Modes(eval, questions, warm, thresholds, best);
            PrintTable(title, results);
            PrintCategories(title, questions, results[0], results[^1]);
            PrintCurve(title, eval, questions, warm, results[^1]);
            if (listWrong)
            {
                PrintWrongHits(results);
                if (listMisses)
                {
                    PrintMissedParaphrases(results[0]);
                    PrintMissedParaphrases(results[3]);
                }
            }
            else
            {
                Console.WriteLine("(sealed part: counts only; its wrong hits are not listed)");
                if (recordPath is not null)
                {
                    Record(recordPath, Path.GetFileName(setPath), results);
                }
            }

            Console.WriteLine();
        }

        if (faqDevPath is not null && faqKbPath is not null)
        {
            var dataset = FaqDataset.Load(faqDevPath);
            var faqKb = EvalKnowledgeBase.Load(faqKbPath, embedder);
            var faqEval = new CacheEvaluation(embedder, faqKb, confirmation) { MemoizeEmbeddings = true };
            // faq-dev's own procedure (the "Semantic cache" section): canonical questions first, on an empty cache.
            var questions = dataset.ReplayOrder(seed);
            var results = Modes(faqEval, questions, warm: null, thresholds, best);
            var title = Invariant($"{Path.GetFileName(faqDevPath)} (KB {faqKbPath}, canonical questions replayed first)");
            PrintTable(title, results);
            PrintCurve(title, faqEval, questions, null, results[^1]);
            PrintWrongHits(results);
        }

        return 0;
    }

    /// <summary>Writes the sealed part's figures per strictness into the model file (results[0..2]: balanced, strict, lenient,
    /// as <see cref="Modes"/> orders them), after checking that the file holds the model that was measured.</summary>
    private static void Record(string path, string setName, List<EvalResult> results)
    {
        var model = HitModel.FromJson(File.ReadAllText(path));
        var measured = HitModel.Default;
        if (!model.Weights.SequenceEqual(measured.Weights) || model.Bias != measured.Bias
            || Enum.GetValues<MatchStrictness>().Any(s => model.Threshold(s) != measured.Threshold(s)))
        {
            throw new InvalidDataException($"{path} is not the model this build measured (rebuild after fitting, then record).");
        }

        var on = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        MeasuredStrictness Of(EvalResult r) => new(r.ParaphrasesServed, r.Paraphrases, r.CorrectHits, r.Hits, r.OutOfScopeHits, $"sealed part of {setName}", on);
        var recorded = model with
        {
            Measured = new Dictionary<MatchStrictness, MeasuredStrictness>
            {
                [MatchStrictness.Balanced] = Of(results[0]),
                [MatchStrictness.Strict] = Of(results[1]),
                [MatchStrictness.Lenient] = Of(results[2]),
            },
        };
        File.WriteAllText(path, recorded.ToJson() + "\n");
        Console.WriteLine($"Recorded the sealed part's figures per strictness in {path}.");
    }

    private static List<EvalResult> Modes(CacheEvaluation eval, IReadOnlyList<EvalQuestion> questions, IReadOnlyList<EvalQuestion>? warm, List<double> thresholds, double best)
    {
        var results = new List<EvalResult>
        {
            eval.RunMatcher(questions, new SemanticMatchOptions(), "semantic matcher (calibrated, balanced: default)", warm: warm),
            eval.RunMatcher(questions, new SemanticMatchOptions { Strictness = MatchStrictness.Strict }, "calibrated, strict", warm: warm),
            eval.RunMatcher(questions, new SemanticMatchOptions { Strictness = MatchStrictness.Lenient }, "calibrated, lenient", warm: warm),
            eval.RunMatcher(questions, new SemanticMatchOptions { Decision = SemanticDecision.Rules }, "rules only (the decision before the model)", warm: warm),
        };
        results.AddRange(thresholds.Select(t => eval.RunBaseline(questions, t, warm) is var r && t == best ? r with { Name = r.Name + " (best on tuning part)" } : r));
        return results;
    }

    /// <summary>The precision-vs-hit-rate trade-off: the calibrated decision at a range of probability thresholds, beside the
    /// plain cosine baseline of the same replay.</summary>
    private static void PrintCurve(string title, CacheEvaluation eval, IReadOnlyList<EvalQuestion> questions, IReadOnlyList<EvalQuestion>? warm, EvalResult baseline)
    {
        Console.WriteLine();
        Console.WriteLine(Invariant($"{title}: calibrated decision by hit-probability threshold (all languages)"));
        Console.WriteLine(EvalResult.SplitHeader);
        var model = HitModel.Default;
        var points = new[] { 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98 }
            .Concat(Enum.GetValues<MatchStrictness>().Select(model.Threshold)).Distinct().Order();
        foreach (var t in points)
        {
            var named = Enum.GetValues<MatchStrictness>().Where(s => model.Threshold(s) == t).Select(s => s.ToString().ToLowerInvariant()).ToList();
            var r = eval.RunMatcher(questions, new SemanticMatchOptions { HitProbability = t },
                Invariant($"p ≥ {t:0.000}{(named.Count > 0 ? " (" + string.Join(", ", named) + ")" : string.Empty)}"), warm: warm);
            Console.WriteLine(r.SplitRow("all"));
        }

        Console.WriteLine(baseline.SplitRow("all"));
    }

    private static void PrintTable(string title, List<EvalResult> results)
    {
        Console.WriteLine(title);
        Console.WriteLine(EvalResult.SplitHeader);
        var hasChinese = results[0].Outcomes.Any(o => o.Question.IsCjk);
        foreach (var r in results)
        {
            Console.WriteLine(r.Only(o => !o.Question.IsCjk, string.Empty).SplitRow("English"));
            if (hasChinese)
            {
                Console.WriteLine(r.Only(o => o.Question.IsCjk, string.Empty).SplitRow("Chinese"));
                Console.WriteLine(r.SplitRow("all"));
            }
        }
    }

    private static void PrintCategories(string title, IReadOnlyList<EvalQuestion> questions, EvalResult matcher, EvalResult baseline)
    {
        Console.WriteLine();
        Console.WriteLine(Invariant($"{title} by category: hits right / wrong (wrong = another article's answer, or any answer where no article applies)"));
        Console.WriteLine(Invariant($"| category | language | items | with an article | {matcher.Name} | {baseline.Name} |"));
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var group in questions.GroupBy(q => (q.Category ?? "?", Language: q.IsCjk ? "Chinese" : "English")).OrderByDescending(g => g.Key.Language).ThenBy(g => g.Key.Item1, StringComparer.Ordinal))
        {
            var inGroup = group.ToHashSet();
            static string Cell(EvalResult r, HashSet<EvalQuestion> g)
            {
                var outcomes = r.Outcomes.Where(o => g.Contains(o.Question)).ToList();
                return Invariant($"{outcomes.Count(o => o.Hit && o.Correct)} / {outcomes.Count(o => o.Hit && !o.Correct)}");
            }

            Console.WriteLine(Invariant($"| {group.Key.Item1} | {group.Key.Language} | {inGroup.Count} | {inGroup.Count(q => q.Intent is not null)} | {Cell(matcher, inGroup)} | {Cell(baseline, inGroup)} |"));
        }
    }

    private static void PrintWrongHits(List<EvalResult> results)
    {
        foreach (var r in results.Where(r => r.Hits > r.CorrectHits))
        {
            Console.WriteLine($"{r.Name}:");
            Console.Write(r.WrongHits());
        }
    }

    /// <summary>Each paraphrase a mode did not serve, with the nearest cached question and what refused it (tuning part only).</summary>
    private static void PrintMissedParaphrases(EvalResult result)
    {
        Console.WriteLine($"{result.Name}: paraphrases not served");
        foreach (var o in result.Outcomes.Where(o => o.Question.Kind == EvalQuestionKind.Paraphrase && !(o.Hit && o.Correct)))
        {
            var d = o.Decision;
            var failed = string.Join("; ", d.Checks.Where(c => !c.Passed).Select(c => c.Name + ": " + c.Detail));
            Console.WriteLine(Invariant($"  miss: \"{o.Question.Text}\" ({o.Question.Intent}) nearest \"{d.Entry?.Question}\" ({d.Entry?.TopDocument}, {d.Similarity:0.00}{(d.HitProbability is { } p ? $", p {p:0.00}" : "")}) {(o.Hit ? "WRONG HIT" : failed.Length > 0 ? failed : d.Reason)}"));
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
