using System.Globalization;
using CacheEval;
using WorkflowEngine.Caching;
using WorkflowEngine.Caching.Semantic;
using WorkflowTesting.CacheEval;

// Semantic cache evaluation: see docs/benchmarks.md ("Semantic cache") for the command and recorded results.
string? datasetPath = null, kbPath = null, evalSetPath = null, evalKbPath = null, fitPath = null, recordPath = null;
var seed = 42;
var bulk = 10_000;
var ablation = false;
var listMisses = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--dataset" when i + 1 < args.Length: datasetPath = args[++i]; break;
        case "--kb" when i + 1 < args.Length: kbPath = args[++i]; break;
        case "--eval-set" when i + 1 < args.Length: evalSetPath = args[++i]; break;
        case "--eval-kb" when i + 1 < args.Length: evalKbPath = args[++i]; break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], out var s): seed = s; i++; break;
        case "--bulk" when i + 1 < args.Length && int.TryParse(args[i + 1], out var b): bulk = b; i++; break;
        case "--fit" when i + 1 < args.Length: fitPath = args[++i]; break;
        case "--record" when i + 1 < args.Length: recordPath = args[++i]; break;
        case "--ablation": ablation = true; break;
        case "--list-misses": listMisses = true; break;
        default:
            Console.Error.WriteLine($"Unknown or incomplete option \"{args[i]}\".");
            return Usage();
    }
}

if (evalSetPath is not null)
{
    if ((datasetPath is null) != (kbPath is null))
    {
        return Usage();
    }

    try
    {
        if (fitPath is not null)
        {
            return HitModelFit.Run(evalSetPath, fitPath, seed);
        }

        return SplitReport.Run(evalSetPath, evalKbPath, datasetPath, kbPath, seed, listMisses, recordPath);
    }
    catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
    {
        Console.Error.WriteLine(ex.Message);
        return 2;
    }
}

if (datasetPath is null || kbPath is null)
{
    return Usage();
}

try
{
    var dataset = FaqDataset.Load(datasetPath);
    using var embedder = new MiniLmEmbedder();
    var kb = EvalKnowledgeBase.Load(kbPath, embedder);
    var questions = dataset.ReplayOrder(seed);
    using var confirmation = new ArcticRetrievalConfirmation();
    var eval = new CacheEvaluation(embedder, kb, confirmation);
    _ = eval.RunBaseline(questions.Take(5).ToList(), 0.9); // warm up the model and JIT

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Dataset {Path.GetFileName(datasetPath)}: {dataset.Intents.Count} intents, {questions.Count(q => q.Kind == EvalQuestionKind.Paraphrase)} paraphrases, {dataset.OutOfScope.Count} out-of-scope; KB {kb.Documents.Count} documents; seed {seed}."));
    foreach (var byVector in new[] { true, false })
    {
        var retrievalRight = questions.Where(q => q.Intent is not null)
            .Count(q => kb.TopDocument(EvalText.Clean(q.Text), embedder.Embed(EvalText.Clean(q.Text)), byVector).Document == q.Intent);
        var nothingFound = questions.Count(q => q.Intent is null && kb.TopDocument(EvalText.Clean(q.Text), embedder.Embed(EvalText.Clean(q.Text)), byVector).Document is null);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Retrieval ({(byVector ? "vector ranking of the hybrid hits, as the matcher uses it" : "hybrid ranking")}): top document is the question's intent for {retrievalRight}/{questions.Count(q => q.Intent is not null)} in-scope questions; out-of-scope questions with nothing found: {nothingFound}/{dataset.OutOfScope.Count}."));
    }

    Console.WriteLine();

    if (ablation)
    {
        Console.WriteLine("Best hybrid / vector score per question (in scope: i, out of scope: o):");
        foreach (var q in questions.OrderBy(q => kb.BestScores(EvalText.Clean(q.Text), embedder.Embed(EvalText.Clean(q.Text))).Vector))
        {
            var (h, v) = kb.BestScores(EvalText.Clean(q.Text), embedder.Embed(EvalText.Clean(q.Text)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(q.Intent is null ? 'o' : 'i')} {h:0.00} {v:0.00} {q.Text}"));
        }
    }

    var results = new List<EvalResult> { eval.RunMatcher(questions, new SemanticMatchOptions()) };
    results.AddRange(new[] { 0.70, 0.80, 0.90 }.Select(t => eval.RunBaseline(questions, t)));
    if (ablation)
    {
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions(), "matcher without the second model", withConfirmation: false));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { ConfirmedRetrievalWaivesMargin = false }, "matcher, second model does not waive the margin"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { ConfirmationRequiresEntry = false }, "matcher, confirmation of the new question only"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { ConfirmedRetrievalWaivesCoverage = true }, "matcher, second model also waives coverage"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { ConfirmedRetrievalWaivesMargin = false, SubstitutionMinFrame = 0, NumbersAddedInOtherWordsAllowed = false, CheckAddedEntities = false },
            "matcher with this change's options undone (negation scope stays 1 word)"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { RequireRetrievalAgreement = false }, "matcher without retrieval check"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { RetrievalByVector = false }, "matcher, document by hybrid ranking"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { MinMargin = 0 }, "matcher without margin"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { RetrievalMinVectorScore = 1 }, "matcher, found by hybrid score only"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { RetrievalMinVectorScore = 0.35 }, "matcher, found at vector 0.35"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { GroundSubstitution = false }, "matcher, every swap needs similar words"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { ScopedNegation = false }, "matcher, any negation difference misses"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { Threshold = 0.40 }, "matcher t=0.40"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { Threshold = 0.30 }, "matcher t=0.30 (before)"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { CheckCoverage = false }, "matcher without coverage"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { CoverageMaxDocuments = 2 }, "matcher, coverage words in ≤ 2 documents"));
        foreach (var gap in new[] { 0.05, 0.15, 0.20, 0.30, 1.0 })
        {
            results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { CoverageContenderGap = gap },
                string.Create(CultureInfo.InvariantCulture, $"matcher, coverage contenders within {gap:0.00}")));
        }
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { CheckNegation = false, CheckNumbers = false, CheckEntities = false, CheckSubstitution = false }, "matcher without lexical checks"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { CheckSubstitution = false }, "matcher without substitution"));
        foreach (var frame in new[] { 0.0, 0.3, 0.4, 0.6, 0.7 })
        {
            results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { SubstitutionMinFrame = frame },
                string.Create(CultureInfo.InvariantCulture, $"matcher, substitution needs a shared frame of {frame:0.0}")));
        }

        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { CheckGeneralization = false }, "matcher without generalization"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { CheckEntities = false }, "matcher without entities"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { CheckAddedEntities = false }, "matcher, names only the new question has not checked"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { CheckNegation = false }, "matcher without negation"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { CheckNumbers = false }, "matcher without numbers"));
        results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { NumbersAddedInOtherWordsAllowed = false }, "matcher, any number difference misses"));
        foreach (var rm in new[] { 0.0, 0.02, 0.05 })
        {
            foreach (var t in new[] { 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50 })
            {
                foreach (var sub in new[] { 0.3, 0.4 })
                {
                    results.Add(eval.RunMatcher(questions, new SemanticMatchOptions { Threshold = t, SubstitutionSimilarity = sub, MinRetrievalMargin = rm },
                        string.Create(CultureInfo.InvariantCulture, $"grid t={t:0.00} sub={sub:0.0} retrievalMargin={rm:0.00}")));
                }
            }
        }

        foreach (var t in new[] { 0.40, 0.50, 0.60, 0.65 })
        {
            results.Add(eval.RunBaseline(questions, t));
        }
    }

    Console.WriteLine("All languages");
    Console.WriteLine(EvalResult.Header);
    foreach (var r in results)
    {
        Console.WriteLine(r.Row());
    }

    Console.WriteLine();
    foreach (var r in results.Where(r => r.Hits > r.CorrectHits))
    {
        Console.WriteLine($"{r.Name}:");
        Console.Write(r.WrongHits());
    }

    Console.WriteLine();
    if (questions.Any(q => q.IsCjk))
    {
        Console.WriteLine("Chinese/CJK questions only");
        Console.WriteLine(EvalResult.Header);
        foreach (var r in results)
        {
            Console.WriteLine(r.Only(o => o.Question.IsCjk, " (CJK)").Row());
        }
    }
    else
    {
        Console.WriteLine("Chinese: the dataset has no Chinese questions among its intents.");
    }

    Console.WriteLine();
    Console.WriteLine($"The matcher asked the second model on {results[0].SecondOpinions} of {results[0].Questions} lookups (plus once per stored answer).");
    Console.WriteLine("Misses of the matcher on paraphrases (why):");
    foreach (var o in results[0].Outcomes.Where(o => o.Question.Kind == EvalQuestionKind.Paraphrase && !o.Hit))
    {
        Console.WriteLine($"  \"{o.Question.Text}\": {o.Decision.Reason}");
    }

    Console.WriteLine();
    foreach (var eager in new[] { false, true })
    {
        var latency = eval.RunLookupBenchmark(questions, new SemanticMatchOptions(), bulk, eagerConfirmation: eager);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Lookup with {latency.CachedEntries:N0} cached questions, {latency.Lookups} lookups{(eager ? ", second model asked on every lookup" : ", second model asked when needed")}: p50 {latency.P50Ms:0.00} ms, p95 {latency.P95Ms:0.00} ms including cleaning, embedding and retrieval; index search + decision p50 {latency.SearchP50Ms:0.000} ms, p95 {latency.SearchP95Ms:0.000} ms; index search alone p50 {latency.IndexP50Ms:0.000} ms, p95 {latency.IndexP95Ms:0.000} ms."));
    }
    return 0;
}
catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("Usage: dotnet run -c Release --project bench/CacheEval -- --dataset <faq-dev.json> --kb <folder of .md> [--seed 42] [--bulk 10000] [--ablation]");
    Console.Error.WriteLine("   or: dotnet run -c Release --project bench/CacheEval -- --eval-set <questions-eval.json> [--eval-kb <folder of .md>] [--dataset <faq-dev.json> --kb <folder of .md>] [--seed 42] [--list-misses] [--record src/WorkflowEngine/Caching/Semantic/hit-model.json]");
    Console.Error.WriteLine("       (issue #14: tuning and sealed parts, and faq-dev when given; --eval-kb defaults to the embedded sample knowledge base;\n" +
        "        --list-misses: the tuning part's paraphrases not served, with what refused them;\n" +
        "        --record: writes each strictness's sealed-part figures into the model file, for the inspector; the file must hold the model measured)");
    Console.Error.WriteLine("   or: dotnet run -c Release --project bench/CacheEval -- --eval-set <questions-eval.json> --fit src/WorkflowEngine/Caching/Semantic/hit-model.json [--seed 42]");
    Console.Error.WriteLine("       (fits the calibrated hit decision on the tuning part only and writes its weights and thresholds)");
    return 1;
}
