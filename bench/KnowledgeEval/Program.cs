// Knowledge-base evaluation: top-1 retrieval accuracy of a question set against a folder of Markdown/text articles, and
// (with --bench) indexing time, query latency per mode and memory per 1,000 chunks.
//
//   dotnet run -c Release --project bench/KnowledgeEval -- --kb <folder> --dataset <questions.json> [--bench]
//   dotnet run -c Release --project bench/KnowledgeEval -- --sample [--bench]     (the built-in Harbor Lane sample)
//
// The dataset has the FAQ shape: { "intents": { "<file name without extension>": { "canonical", "paraphrases": [] } },
// "out_of_scope": [] }. A question counts as correct when the top chunk comes from the file named after its intent.
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;

var kbFolder = Arg("--kb");
var datasetPath = Arg("--dataset");
var useSample = args.Contains("--sample");
var bench = args.Contains("--bench");
if (!useSample && (kbFolder is null || datasetPath is null))
{
    Console.Error.WriteLine("Usage: KnowledgeEval --kb <folder of .md/.txt> --dataset <questions.json> [--bench]   or   KnowledgeEval --sample [--bench]");
    return 2;
}

List<(string Name, string Text)> articles;
QuestionSet questions;
try
{
    articles = useSample
        ? [.. SampleKnowledgeBase.Articles.Select(a => (a.Name, a.Text))]
        : [.. Directory.EnumerateFiles(kbFolder!).Where(f => f.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllText(f)))];
    questions = useSample ? SampleKnowledgeBase.LoadQuestions() : QuestionSet.Parse(File.ReadAllText(datasetPath!));
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or FormatException)
{
    Console.Error.WriteLine($"Cannot read the input: {ex.Message}");
    return 2;
}

var dbPath = Path.Combine(Path.GetTempPath(), $"knowledge-eval-{Guid.NewGuid():n}.db");
var services = new ServiceCollection().AddStudioPersistence($"Data Source={dbPath};Pooling=False").BuildServiceProvider();
var dbFactory = services.GetRequiredService<IDbContextFactory<StudioDbContext>>();
await using (var db = await dbFactory.CreateDbContextAsync())
{
    await db.Database.EnsureCreatedAsync();
}
using var embeddings = new MiniLmEmbeddingGenerator();
await using var kbs = new KnowledgeBaseService(dbFactory, embeddings, TimeProvider.System, services);

var sw = Stopwatch.StartNew();
await embeddings.WarmUpAsync();
var modelLoad = sw.Elapsed;
await embeddings.GenerateAsync(["warm-up sentence"]);

var kb = await kbs.CreateAsync(useSample ? "sample" : Path.GetFileName(Path.TrimEndingDirectorySeparator(kbFolder!)));
sw.Restart();
foreach (var (name, text) in articles)
{
    await kbs.AddDocumentAsync(kb.Id, name, text);
}
await kbs.WaitForIndexingAsync(kb.Id);
var indexing = sw.Elapsed;
var docs = await kbs.ListDocumentsAsync(kb.Id);
var failed = docs.Where(d => d.State == DocumentState.Failed).ToList();
Console.WriteLine($"Knowledge base: {(useSample ? "built-in sample" : kbFolder)} — {docs.Count} documents, {docs.Sum(d => d.ChunkCount)} chunks (chunk size {kb.ChunkSize}, overlap {kb.ChunkOverlap}), {failed.Count} failed");
Console.WriteLine($"Dataset: {(useSample ? "built-in sample questions" : datasetPath)} — {questions.Intents.Count} intents, {questions.Intents.Sum(i => 1 + i.Value.Paraphrases.Count)} in-scope questions, {questions.OutOfScope.Count} out of scope");
Console.WriteLine($"Embedding model load: {modelLoad.TotalMilliseconds:F0} ms; indexing {docs.Count} documents: {indexing.TotalMilliseconds:F0} ms");
Console.WriteLine();

var cases = questions.Intents.SelectMany(i => new[] { (Intent: i.Key, Question: i.Value.Canonical, Kind: "canonical") }
    .Concat(i.Value.Paraphrases.Select(p => (Intent: i.Key, Question: p, Kind: "paraphrase")))).ToList();
var unknownIntents = questions.Intents.Keys.Where(k => !docs.Any(d => Path.GetFileNameWithoutExtension(d.Name) == k)).ToList();
if (unknownIntents.Count > 0)
{
    Console.WriteLine($"Warning: no document for intents {string.Join(", ", unknownIntents)}");
}

Console.WriteLine("| mode | top-1 canonical | top-1 paraphrases | top-1 all | top-3 all | mean score of top hit (in scope / out of scope) |");
Console.WriteLine("|---|---|---|---|---|---|");
var latencies = new Dictionary<SearchMode, List<double>>();
foreach (var mode in new[] { SearchMode.Keyword, SearchMode.Vector, SearchMode.Hybrid })
{
    int canonicalOk = 0, paraphraseOk = 0, top3Ok = 0;
    var inScopeTop = new List<double>();
    var misses = new List<string>();
    foreach (var (intent, question, kind) in cases)
    {
        var hits = await kbs.SearchAsync(kb.Id, question, new SearchOptions(TopK: 3, Mode: mode));
        var names = hits.Select(h => Path.GetFileNameWithoutExtension(h.Chunk.DocumentName)).ToList();
        var ok = names.FirstOrDefault() == intent;
        if (ok)
        {
            _ = kind == "canonical" ? canonicalOk++ : paraphraseOk++;
        }
        else
        {
            misses.Add($"  {question} -> {names.FirstOrDefault() ?? "(nothing)"} (expected {intent})");
        }
        top3Ok += names.Contains(intent) ? 1 : 0;
        inScopeTop.Add(hits.FirstOrDefault()?.Score ?? 0);
    }
    var outTop = new List<double>();
    foreach (var q in questions.OutOfScope)
    {
        var hits = await kbs.SearchAsync(kb.Id, q, new SearchOptions(TopK: 1, Mode: mode));
        outTop.Add(hits.FirstOrDefault()?.Score ?? 0);
    }
    var nCanonical = cases.Count(c => c.Kind == "canonical");
    var nPara = cases.Count - nCanonical;
    Console.WriteLine($"| {mode.ToString().ToLowerInvariant()} | {Pct(canonicalOk, nCanonical)} | {Pct(paraphraseOk, nPara)} | {Pct(canonicalOk + paraphraseOk, cases.Count)} | {Pct(top3Ok, cases.Count)} | {inScopeTop.DefaultIfEmpty().Average():F2} / {outTop.DefaultIfEmpty().Average():F2} |");
    if (args.Contains("--misses"))
    {
        misses.ForEach(Console.WriteLine);
    }
}

if (bench)
{
    Console.WriteLine();
    var all = cases.Select(c => c.Question).Concat(questions.OutOfScope).ToList();
    const int rounds = 5;
    Console.WriteLine($"Query latency over {all.Count} questions x {rounds} rounds (in-process, index in memory, top-3):");
    Console.WriteLine("| mode | p50 ms | p95 ms |");
    Console.WriteLine("|---|---|---|");
    foreach (var mode in new[] { SearchMode.Keyword, SearchMode.Vector, SearchMode.Hybrid })
    {
        var times = new List<double>();
        await kbs.SearchAsync(kb.Id, "warm up", new SearchOptions(Mode: mode));
        for (var r = 0; r < rounds; r++)
        {
            foreach (var q in all)
            {
                var t = Stopwatch.GetTimestamp();
                await kbs.SearchAsync(kb.Id, q, new SearchOptions(TopK: 3, Mode: mode));
                times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }
        times.Sort();
        Console.WriteLine($"| {mode.ToString().ToLowerInvariant()} | {Percentile(times, 0.50):F2} | {Percentile(times, 0.95):F2} |");
    }

    // Memory: replicate the real chunks and vectors (fresh string copies) up to 10,000 and measure the managed heap growth.
    var snapshot = (await kbs.GetIndexSnapshotAsync(kb.Id))!;
    var realVectors = (await embeddings.GenerateAsync(snapshot.Chunks.Select(KnowledgeIndex.SearchText))).Select(e => e.Vector.ToArray()).ToList();
    const int target = 10_000;
    var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
    var chunks = new List<KnowledgeChunk>(target);
    var vectors = new List<float[]>(target);
    for (var i = 0; i < target; i++)
    {
        var c = snapshot.Chunks[i % snapshot.Count];
        chunks.Add(c with { DocumentId = $"doc{i}", Text = new string(c.Text.AsSpan()), Heading = c.Heading is null ? null : new string(c.Heading.AsSpan()) });
        vectors.Add((float[])realVectors[i % snapshot.Count].Clone());
    }
    var index = new KnowledgeIndex(chunks, vectors);
    chunks.Clear();
    chunks.TrimExcess();
    vectors.Clear();
    vectors.TrimExcess();
    var heapAfter = GC.GetTotalMemory(true);
    GC.KeepAlive(index);
    Console.WriteLine();
    Console.WriteLine($"Memory: an index of {target:N0} chunks (average {snapshot.Chunks.Average(c => c.Text.Length):F0} characters, {index.Dimensions}-dim float32 vectors) holds " +
        $"{(heapAfter - heapBefore) / 1024.0 / 1024.0 * 1000 / target:F2} MB per 1,000 chunks of managed heap after the source lists are released " +
        $"(vectors alone: {index.Dimensions * 4 * 1000 / 1024.0 / 1024.0:F2} MB per 1,000).");
    var t5 = Stopwatch.GetTimestamp();
    var fiveMb = string.Join("\n\n", Enumerable.Range(0, 5 * 1024 * 1024 / (int)articles.Average(a => a.Text.Length + 2)).Select(i => articles[i % articles.Count].Text));
    var chunked = TextChunker.Chunk("big", "big.md", fiveMb, kb.ChunkSize, kb.ChunkOverlap);
    Console.WriteLine($"Chunking a {System.Text.Encoding.UTF8.GetByteCount(fiveMb) / 1024.0 / 1024.0:F1} MB document: {chunked.Count:N0} chunks in {Stopwatch.GetElapsedTime(t5).TotalMilliseconds:F0} ms (embedding them is the slow part: about {indexing.TotalMilliseconds / Math.Max(1, docs.Sum(d => d.ChunkCount)):F1} ms per chunk here).");
}

await services.DisposeAsync();
File.Delete(dbPath);
return 0;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string Pct(int ok, int n) => n == 0 ? "–" : $"{100.0 * ok / n:F0}% ({ok}/{n})";

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
