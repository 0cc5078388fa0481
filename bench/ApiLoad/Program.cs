// Load benchmark of the published API: requests/s and p50/p99 latency of (a) a cached POST /api/workflows/{id}/run
// and (b) GET /api/ping (constant JSON), measured in the same run against the same studio process.
//
//   dotnet run -c Release --project bench/ApiLoad -- [--seconds 10] [--clients 32] [--redis] [--rounds 2] [--alloc] [--instances 2]
//
// The studio runs in-process on real Kestrel (tests/WorkflowTesting StudioServer, temp SQLite, fake OpenAI-compatible
// server for the one LLM call that fills the cache); the load generator talks to it over loopback HTTP/1.1 with keep-alive.
// --redis also starts a real redis-server (L1 + L2, as in production); without it the cache is L1 only.
// --instances N (with --redis) starts N studios in this process on one SQLite file, one Redis and one key prefix, as
// instances behind a load balancer would share them; client i sends its requests to studio i mod N.
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowTesting;

var seconds = Arg("--seconds", 10);
var clients = Arg("--clients", 32);
var rounds = Arg("--rounds", 2);
var useRedis = args.Contains("--redis");
var instances = Arg("--instances", 1);
if (instances > 1 && !useRedis)
{
    Console.Error.WriteLine("--instances needs --redis: instances share their cache and invalidations through Redis.");
    return 2;
}
const string adminKey = "bench-admin-key-0123456789-abcdefghijklmnop";

RedisServer? redis = null;
if (useRedis)
{
    redis = new RedisServer();
    redis.Start();
}
await using var llm = await FakeOpenAiServer.StartAsync();
var settings = new Dictionary<string, string?>
{
    ["Api:AdminKey"] = adminKey,
    ["Api:RateLimitPermits"] = "10000000",
    ["Llm:BaseUrl"] = llm.BaseUrl,
    ["Llm:ApiKey"] = llm.ApiKey,
    ["Llm:Model"] = llm.Model,
    ["ConnectionStrings:Redis"] = redis?.ConnectionString,
    ["Logging:LogLevel:Default"] = "Warning",
    ["Logging:LogLevel:WorkflowStudio"] = "Warning",
    ["Logging:LogLevel:WorkflowEngine"] = "Warning",
    ["Engine:Cache:KeyPrefix"] = $"bench-{Guid.NewGuid():n}:",
};
await using var studio = await StudioServer.StartAsync(settings);
var others = new List<StudioServer>();
for (var n = 1; n < instances; n++)
{
    others.Add(await StudioServer.StartAsync(new Dictionary<string, string?>(settings) { ["ConnectionStrings:Studio"] = $"Data Source={studio.DatabasePath}" }));
}

// The sample knowledge base is indexed in the background after start; wait, so its version (part of cache keys) is settled.
await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<KnowledgeBaseService>(studio.Services)
    .WaitForIndexingAsync(SampleKnowledgeBase.Id);

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
using var http = new HttpClient(handler) { BaseAddress = studio.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
var clientsOf = new[] { http }.Concat(others.Select(o => new HttpClient(handler, disposeHandler: false) { BaseAddress = o.BaseAddress, Timeout = TimeSpan.FromSeconds(30) })).ToArray();

// The sample FAQ bot, a run key, and one run that fills the cache.
var graph = SampleWorkflows.FaqBot(SampleKnowledgeBase.Id) with { Name = "Bench FAQ bot" };
using var created = await http.PostAsync("api/workflows", new StringContent(WorkflowJson.Serialize(graph), Encoding.UTF8, "application/json"));
created.EnsureSuccessStatusCode();
var workflowId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
using var keyResponse = await http.PostAsJsonAsync($"api/workflows/{workflowId}/keys", new { name = "bench" });
var runKey = (await keyResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
foreach (var client in clientsOf)
{
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", runKey);
}
var runBody = Encoding.UTF8.GetBytes("""{ "query": "How long does shipping take?" }""");
using (var first = await Run(0))
{
    first.EnsureSuccessStatusCode();
}
using (var second = await Run(clientsOf.Length - 1))
{
    var body = await second.Content.ReadFromJsonAsync<JsonElement>();
    Console.WriteLine($"one cached run: engine {body.GetProperty("elapsedMs").GetDouble():F2} ms; " + string.Join(", ",
        body.GetProperty("trace").EnumerateArray().Select(t => $"{t.GetProperty("nodeId").GetString()} {t.GetProperty("status").GetString()} {t.GetProperty("elapsedMs").GetDouble():F2} ms")));
    var trace = body.GetProperty("trace").EnumerateArray().Single(t => t.GetProperty("nodeId").GetString() == "cache");
    if (trace.GetProperty("cache").GetString() != "hit")
    {
        throw new InvalidOperationException("The second run was not a cache hit; the benchmark would not measure a cached run.");
    }
}

Console.WriteLine($"ApiLoad: {instances} studio instance(s), {clients} concurrent clients, {seconds} s per measurement, {rounds} rounds, Redis {(useRedis ? "on (L1+L2)" : "off (L1 only)")}, " +
    $"{Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, load average {LoadAverage()}");
var results = new List<(string Name, Stats Stats)>();
for (var round = 1; round <= rounds; round++)
{
    // Warm-up, then measure; alternate so machine noise hits both alike.
    await Measure(Ping, 2);
    results.Add(("ping", await Measure(Ping, seconds)));
    await Measure(Run, 2);
    results.Add(("run", await Measure(Run, seconds)));
}
Console.WriteLine();
Console.WriteLine("| endpoint | requests/s | p50 ms | p99 ms | errors | CPU µs/request (this process: studio + load generator) | redis-server CPU µs/request | KB allocated/request | thread-pool work items/request |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
foreach (var (name, s) in results)
{
    Console.WriteLine($"| {(name == "ping" ? "GET /api/ping (constant JSON)" : "POST /run (cached)")} | {s.Rps:F0} | {s.P50:F2} | {s.P99:F2} | {s.Errors} | {s.CpuPerRequestUs:F0} | {s.RedisCpuPerRequestUs:F0} | {s.AllocatedKbPerRequest:F1} | {s.WorkItemsPerRequest:F1} |");
}
var pingBest = results.Where(r => r.Name == "ping").Max(r => r.Stats.Rps);
var runBest = results.Where(r => r.Name == "run").Max(r => r.Stats.Rps);
var pingMean = results.Where(r => r.Name == "ping").Average(r => r.Stats.Rps);
var runMean = results.Where(r => r.Name == "run").Average(r => r.Stats.Rps);
Console.WriteLine();
Console.WriteLine($"ratio cached /run : ping = {runMean / pingMean:P0} (means), {runBest / pingBest:P0} (best rounds); LLM calls during the run: {llm.ChatCallCount}");
var pingCpu = results.Where(r => r.Name == "ping").Average(r => r.Stats.CpuPerRequestUs + r.Stats.RedisCpuPerRequestUs);
var runCpu = results.Where(r => r.Name == "run").Average(r => r.Stats.CpuPerRequestUs + r.Stats.RedisCpuPerRequestUs);
Console.WriteLine($"CPU per request (this process + redis-server): ping {pingCpu:F0} µs, cached /run {runCpu:F0} µs; ratio ping : /run = {pingCpu / runCpu:P0} " +
    "(what the throughput ratio would be if both were CPU-bound on an otherwise idle machine)");
if (args.Contains("--alloc"))
{
    // Which types a cached /run allocates (this process: studio and load generator), sampled, over sequential requests.
    const int AllocRequests = 3000;
    using var listener = new AllocationListener();
    var allocatedBefore = GC.GetTotalAllocatedBytes();
    for (var i = 0; i < AllocRequests; i++)
    {
        using var response = await Run(0);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }
    Console.WriteLine();
    Console.WriteLine($"--alloc: {(GC.GetTotalAllocatedBytes() - allocatedBefore) / AllocRequests:N0} bytes per cached /run (sequential), by type:");
    foreach (var line in listener.Top(30, AllocRequests))
    {
        Console.WriteLine(line);
    }
}
foreach (var other in others)
{
    await other.DisposeAsync();
}
redis?.Dispose();
return 0;

Task<HttpResponseMessage> Run(int client = 0)
{
    var content = new ByteArrayContent(runBody);
    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    return clientsOf[client % clientsOf.Length].PostAsync($"api/workflows/{workflowId}/run", content);
}

Task<HttpResponseMessage> Ping(int client) => clientsOf[client % clientsOf.Length].GetAsync("api/ping");

async Task<Stats> Measure(Func<int, Task<HttpResponseMessage>> send, int durationSeconds)
{
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var allocatedBefore = GC.GetTotalAllocatedBytes();
    var workItemsBefore = ThreadPool.CompletedWorkItemCount;
    var redisBefore = RedisCpu();
    var stop = Stopwatch.StartNew();
    var duration = TimeSpan.FromSeconds(durationSeconds);
    var latencies = new List<double>[clients];
    var errors = 0;
    var workers = Enumerable.Range(0, clients).Select(i => Task.Run(async () =>
    {
        var mine = latencies[i] = new List<double>(100_000);
        while (stop.Elapsed < duration)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                using var response = await send(i);
                await response.Content.LoadIntoBufferAsync();
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref errors);
                    continue;
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref errors);
                continue;
            }
            mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    })).ToArray();
    await Task.WhenAll(workers);
    var elapsed = stop.Elapsed.TotalSeconds;
    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds;
    var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
    var workItems = ThreadPool.CompletedWorkItemCount - workItemsBefore;
    var redisCpu = (RedisCpu() - redisBefore).TotalMicroseconds;
    var all = latencies.SelectMany(l => l).Order().ToArray();
    return new Stats(all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.99), errors,
        all.Length == 0 ? double.NaN : cpu / all.Length, all.Length == 0 ? double.NaN : redisCpu / all.Length,
        all.Length == 0 ? double.NaN : allocated / 1024.0 / all.Length, all.Length == 0 ? double.NaN : (double)workItems / all.Length);
}

// CPU time of redis-server (utime + stime from /proc), found by its port on the command line; zero without Redis.
TimeSpan RedisCpu()
{
    if (redis is null)
    {
        return TimeSpan.Zero;
    }
    foreach (var dir in Directory.EnumerateDirectories("/proc"))
    {
        try
        {
            var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            if (!cmdline.Contains("redis-server", StringComparison.Ordinal) || !cmdline.Contains($" {redis.Port} ", StringComparison.Ordinal) && !cmdline.Contains($":{redis.Port}", StringComparison.Ordinal))
            {
                continue;
            }
            var stat = File.ReadAllText(Path.Combine(dir, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11]) + long.Parse(fields[12]);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
    }
    return TimeSpan.Zero;
}

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static string LoadAverage()
{
    try
    {
        return File.ReadAllText("/proc/loadavg").Split(' ')[0];
    }
    catch (IOException)
    {
        return "?";
    }
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var value) ? value : fallback;
}

internal sealed record Stats(double Rps, double P50, double P99, int Errors, double CpuPerRequestUs, double RedisCpuPerRequestUs, double AllocatedKbPerRequest, double WorkItemsPerRequest);
