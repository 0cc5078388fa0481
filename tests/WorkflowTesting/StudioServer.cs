using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace WorkflowTesting;

/// <summary>One log line the studio wrote while a test ran.</summary>
public sealed record CapturedLog(LogLevel Level, string Category, EventId EventId, string Message, Exception? Exception);

/// <summary>The real studio (its own <c>Program</c>, real Kestrel, real HTTP) on 127.0.0.1 and a free port, with a fresh SQLite
/// file in a temporary folder. Settings are passed as command-line configuration, so they win over appsettings.json and
/// the environment, e.g. <c>["ConnectionStrings:Redis"] = redis.ConnectionString</c> or <c>["Llm:BaseUrl"] = fake.BaseUrl</c>;
/// <see cref="TestDatabase.Configuration"/> starts it on PostgreSQL instead (several servers may share one such database).
/// Runs in the Development environment so static web assets (MudBlazor, Diagrams, the app's own) are served from their
/// build locations, exactly as with <c>dotnet run</c>.</summary>
public sealed class StudioServer : IAsyncDisposable
{
    // Programs are started one at a time: the host is picked up from a process-wide diagnostic event.
    private static readonly SemaphoreSlim StartGate = new(1, 1);

    private readonly Thread _thread;
    private readonly IHost _host;
    private readonly string _tempDirectory;
    private readonly LogCollector _logs;

    private StudioServer(Thread thread, IHost host, Uri baseAddress, string tempDirectory, string databasePath, LogCollector logs)
    {
        _thread = thread;
        _host = host;
        BaseAddress = baseAddress;
        _tempDirectory = tempDirectory;
        DatabasePath = databasePath;
        _logs = logs;
    }

    /// <summary>For example http://127.0.0.1:40123/ (with the trailing slash).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The running studio's services, e.g. to read what a page saved.</summary>
    public IServiceProvider Services => _host.Services;

    public string DatabasePath { get; }

    /// <summary>Everything the studio logged so far.</summary>
    public IReadOnlyList<CapturedLog> Logs => [.. _logs.Entries];

    /// <summary>Errors and anything logged with an exception: a healthy run has none.</summary>
    public IReadOnlyList<CapturedLog> Problems => [.. _logs.Entries.Where(e => e.Level >= LogLevel.Error || e.Exception is not null)];

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    /// <summary>Waits until <c>/health/ready</c> answers 200: the database is migrated and the sample knowledge base fully
    /// indexed. Until then each indexed article rightly drops that base's cached answers, so a test about caching that starts
    /// earlier can see the same question miss twice.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null)
    {
        using var client = CreateClient();
        await Eventually.WaitUntilAsync(async () =>
        {
            using var response = await client.GetAsync("health/ready");
            return response.IsSuccessStatusCode;
        }, timeout ?? TimeSpan.FromMinutes(3), "the studio to be ready (/health/ready)", TimeSpan.FromMilliseconds(100));
    }

    public static async Task<StudioServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, CancellationToken cancellationToken = default)
    {
        var tempDirectory = Directory.CreateTempSubdirectory("studio-test-").FullName;
        var databasePath = Path.Combine(tempDirectory, "studio.db");
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["ConnectionStrings:Studio"] = $"Data Source={databasePath}",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:WorkflowStudio"] = "Information",
            ["Logging:LogLevel:WorkflowEngine"] = "Information",
            ["Logging:LogLevel:ZiggyCreatures.Caching.Fusion"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            "--environment=Development",
            $"--applicationName={StudioAssembly.GetName().Name}",
            $"--contentRoot={AppContext.BaseDirectory}",
        };
        args.AddRange(configuration.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}"));

        var logs = new LogCollector();
        await StartGate.WaitAsync(cancellationToken);
        Thread thread;
        IHost host;
        var exited = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            using var capture = new HostCapture(logs);
            thread = new Thread(() =>
            {
                capture.ProgramThreadId = Environment.CurrentManagedThreadId;
                try
                {
                    var entryPoint = StudioAssembly.EntryPoint ?? throw new InvalidOperationException("The studio assembly has no entry point.");
                    entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [args.ToArray()]);
                    exited.TrySetResult(null);
                }
                catch (TargetInvocationException ex)
                {
                    exited.TrySetResult(ex.InnerException ?? ex);
                }
                catch (Exception ex)
                {
                    exited.TrySetResult(ex);
                }
            })
            { IsBackground = true, Name = "studio-server" };
            thread.Start();
            var built = await Task.WhenAny(capture.Host, exited.Task).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            if (built != capture.Host)
            {
                throw new InvalidOperationException("The studio stopped before it was built.", await exited.Task);
            }
            host = await capture.Host;
        }
        finally
        {
            StartGate.Release();
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            var first = await Task.WhenAny(started.Task, exited.Task).WaitAsync(TimeSpan.FromSeconds(120), cancellationToken);
            if (first != started.Task)
            {
                throw new InvalidOperationException("The studio failed to start.", await exited.Task);
            }
        }
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The studio reported no listening address.");
        return new StudioServer(thread, host, new Uri(address.TrimEnd('/') + "/"), tempDirectory, databasePath, logs);
    }

    public async ValueTask DisposeAsync()
    {
        _host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await Task.Run(() => _thread.Join(TimeSpan.FromSeconds(30)));
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_tempDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open somewhere; the temp folder is cleaned by the OS eventually.
        }
    }

    private static Assembly StudioAssembly => typeof(StudioServiceCollectionExtensions).Assembly;

    /// <summary>Picks up the studio's host as its Program builds it (the same hook WebApplicationFactory uses), and adds the
    /// log collector. Only events raised on the Program's own thread count, so other hosts in the process are ignored.</summary>
    private sealed class HostCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly TaskCompletionSource<IHost> _host = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<IDisposable> _subscriptions = [];
        private readonly LogCollector _logs;

        public HostCapture(LogCollector logs)
        {
            _logs = logs;
            _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
        }

        public volatile int ProgramThreadId = -1;

        public Task<IHost> Host => _host.Task;

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Microsoft.Extensions.Hosting")
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(value.Subscribe(this));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (Environment.CurrentManagedThreadId != ProgramThreadId)
            {
                return;
            }
            if (value is { Key: "HostBuilding", Value: IHostBuilder builder })
            {
                builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(_logs));
            }
            else if (value is { Key: "HostBuilt", Value: IHost host })
            {
                _host.TrySetResult(host);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            lock (_subscriptions)
            {
                _subscriptions.ForEach(s => s.Dispose());
            }
        }
    }

    private sealed class LogCollector : ILoggerProvider
    {
        public ConcurrentQueue<CapturedLog> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogCollector owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue(new CapturedLog(logLevel, category, eventId, formatter(state, exception), exception));
        }
    }
}
