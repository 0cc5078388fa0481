using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace WorkflowTesting;

/// <summary>
/// A real PostgreSQL server for the test run: <c>initdb</c> into a temporary folder, <c>postgres</c> on a free loopback port with
/// its unix socket in that folder, fsync off (nothing here needs to survive a crash), stopped and deleted when the test process
/// ends. PostgreSQL refuses to run as root, so when the tests run as root (here and in CI) it runs as the <c>postgres</c> user
/// through <c>runuser</c>, and the folder is given to that user. One server serves the whole test process
/// (<see cref="SharedAsync"/>); each test takes a database of its own (<see cref="CreateDatabaseAsync"/>).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The unprivileged user the server runs as when the tests run as root.</summary>
    public const string ServiceUser = "postgres";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartSharedAsync);
    private readonly string _binaries;
    private readonly string _directory;
    private readonly StringBuilder _log = new();
    private Process? _process;
    private int _databases;

    private PostgresServer(string binaries, string directory, int port)
    {
        _binaries = binaries;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Host => "127.0.0.1";

    /// <summary>How long the last start took, initdb included.</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>The server's output so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>A connection string for <paramref name="database"/> as the superuser (trust authentication on loopback).</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder { Host = Host, Port = Port, Username = ServiceUser, Database = database }.ConnectionString;

    /// <summary>The test process's server, started on first use and stopped when the process exits.</summary>
    public static Task<PostgresServer> SharedAsync() => Shared.Value;

    /// <summary>A new empty database on the shared server; disposing it drops it.</summary>
    public static async Task<PostgresDatabase> CreateDatabaseAsync() => await (await SharedAsync()).CreateEmptyDatabaseAsync();

    /// <summary>Creates an empty database with a name of its own.</summary>
    public async Task<PostgresDatabase> CreateEmptyDatabaseAsync()
    {
        var name = $"test_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("n")[..8]}";
        await ExecuteAsync($"CREATE DATABASE \"{name}\"");
        return new PostgresDatabase(this, name, ConnectionString(name));
    }

    /// <summary>Runs one statement in the <c>postgres</c> database.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString() + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Creates a login role that must give <paramref name="password"/> (scram-sha-256) on a loopback TCP connection, and
    /// waits until the server enforces it: every other connection is trusted, so a wrong password could not otherwise be shown.</summary>
    public async Task CreatePasswordRoleAsync(string role, string password)
    {
        await ExecuteAsync($"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'");
        var hba = Path.Combine(DataDirectory, "pg_hba.conf");
        lock (_log)
        {
            // First match wins: the role's own line goes before initdb's "trust" lines. Rewriting the file keeps its owner.
            File.WriteAllText(hba, $"host all {role} {Host}/32 scram-sha-256\n" + File.ReadAllText(hba));
        }
        await ExecuteAsync("SELECT pg_reload_conf()");
        var wrong = new NpgsqlConnectionStringBuilder { Host = Host, Port = Port, Username = role, Password = password + "-wrong", Database = "postgres", Pooling = false };
        await Eventually.WaitUntilAsync(async () =>
        {
            try
            {
                await using var connection = new NpgsqlConnection(wrong.ConnectionString);
                await connection.OpenAsync();
                return false;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidPassword)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(30), $"postgres to ask {role} for a password");
    }

    /// <summary>Initializes a cluster in a new temporary folder and starts it; <see cref="DisposeAsync"/> stops it and deletes the folder.</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        var binaries = FindBinaries();
        SweepAbandonedFolders();
        var directory = Path.Combine(Path.GetTempPath(), "wf-postgres-" + Guid.NewGuid().ToString("n")[..12]);
        Directory.CreateDirectory(directory);
        var server = new PostgresServer(binaries, directory, FreePort());
        try
        {
            await server.StartProcessAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    private const int SigQuit = 3;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SignalProcess(int pid, int signal);

    /// <summary>The postmaster's process id, from the first line of its pid file (runuser stands between it and us).</summary>
    private int? PostmasterPid()
    {
        try
        {
            return int.TryParse(File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).FirstOrDefault(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task StartProcessAsync()
    {
        var clock = Stopwatch.StartNew();
        if (RunsAsRoot)
        {
            // initdb and postgres refuse root; the folder (data and socket) must belong to the user they run as.
            await RunToEndAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", _directory]);
        }
        // C locale: byte-order comparison, the same order SQLite's default BINARY collation gives.
        await RunToEndAsync(Tool("initdb"), ["-D", DataDirectory, "-U", ServiceUser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"], asServiceUser: true);
        // postgres runs under a small shell that outlives the test process: when the server stops, or the test process is gone
        // (the test host does not wait long at exit, and a killed run cannot clean up at all), it stops the server with an
        // immediate shutdown and deletes the folder. /proc rather than kill -0: the test process may belong to root.
        const string Watchdog = """
            "$1" -D "$2" -p "$3" -k "$4" -c listen_addresses="$5" -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
                 -c max_connections=300 -c shared_buffers=32MB &
            server=$!
            while [ -d "/proc/$6" ] && kill -0 "$server" 2>/dev/null; do sleep 0.2; done
            kill -QUIT "$server" 2>/dev/null
            wait "$server"
            rm -rf "$4"
            """;
        var info = StartInfo("/bin/sh",
        [
            "-c", Watchdog, "postgres-watchdog", Tool("postgres"), DataDirectory, Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _directory, Host, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ], asServiceUser: true);
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilReadyAsync();
        StartTime = clock.Elapsed;
    }

    private async Task WaitUntilReadyAsync()
    {
        try
        {
            await Eventually.WaitUntilAsync(AcceptsConnectionsAsync, StartTimeout, $"postgres on port {Port} to accept connections");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Its output:\n{Log}", ex);
        }
    }

    private async Task<bool> AcceptsConnectionsAsync()
    {
        if (_process is null || _process.HasExited)
        {
            throw new InvalidOperationException($"postgres exited during start on port {Port}. Its output:\n{Log}");
        }
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString() + ";Pooling=false;Timeout=2");
            await connection.OpenAsync();
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or IOException)
        {
            return false;
        }
    }

    /// <summary>Stops the server and deletes its folder: an immediate shutdown (SIGQUIT to the postmaster, no checkpoint: nothing
    /// here needs keeping; unlike a kill it still releases its shared memory), after which the watchdog shell deletes the
    /// folder and exits. Should the test process not live that long, the watchdog finishes the job on its own.</summary>
    public ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                if (PostmasterPid() is { } pid)
                {
                    _ = SignalProcess(pid, SigQuit);
                }
                if (!process.WaitForExit(10_000))
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5_000);
                }
            }
            process.Dispose();
        }
        DeleteFolder(_directory);
        return ValueTask.CompletedTask;
    }

    private static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temp folder left behind is harmless; the next start sweeps it.
        }
    }

    /// <summary>Deletes the folders of earlier test runs whose server is gone (a run that was killed cannot clean up).</summary>
    private static void SweepAbandonedFolders()
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), "wf-postgres-*"))
        {
            var pidFile = Path.Combine(folder, "data", "postmaster.pid");
            var running = File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) && IsAlive(pid);
            if (!running && Directory.GetLastWriteTimeUtc(folder) < DateTime.UtcNow.AddMinutes(-1))
            {
                DeleteFolder(folder);
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The folder holding initdb and postgres: the newest /usr/lib/postgresql/N/bin (Debian's layout), else
    /// wherever initdb on the PATH really lives.</summary>
    private static string FindBinaries()
    {
        string[] tools = ["initdb", "postgres"];
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0, Bin: Path.Combine(d, "bin")))
                .OrderByDescending(c => c.Version).Select(c => c.Bin).ToList()
            : [];
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = Path.Combine(folder, "initdb");
            if (File.Exists(initdb))
            {
                var target = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb;
                candidates.Add(Path.GetDirectoryName(target)!);
            }
        }
        return candidates.FirstOrDefault(bin => tools.All(t => File.Exists(Path.Combine(bin, t))))
            ?? throw new InvalidOperationException(
                "PostgreSQL's server binaries (initdb, postgres) were not found in /usr/lib/postgresql/*/bin or on the PATH. " +
                "The PostgreSQL tests need a real server: install it with 'apt-get install -y postgresql' (scripts/test.sh does).");
    }

    private string Tool(string name) => Path.Combine(_binaries, name);

    private static bool RunsAsRoot => Environment.IsPrivilegedProcess;

    private static ProcessStartInfo StartInfo(string executable, IEnumerable<string> arguments, bool asServiceUser)
    {
        var viaRunuser = asServiceUser && RunsAsRoot;
        var info = new ProcessStartInfo(viaRunuser ? "runuser" : executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (viaRunuser)
        {
            foreach (var arg in new[] { "-u", ServiceUser, "--", executable })
            {
                info.ArgumentList.Add(arg);
            }
        }
        foreach (var arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }

    private async Task RunToEndAsync(string executable, IEnumerable<string> arguments, bool asServiceUser = false)
    {
        using var process = Process.Start(StartInfo(executable, arguments, asServiceUser))
            ?? throw new InvalidOperationException($"{executable} could not be started.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(StartTimeout);
        AppendLog(await output);
        AppendLog(await error);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(executable)} failed with exit code {process.ExitCode}:\n{await output}{await error}");
        }
    }

    private void AppendLog(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(text);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>One test's database on a <see cref="PostgresServer"/>; disposing it closes its pooled connections and drops it.</summary>
public sealed class PostgresDatabase(PostgresServer server, string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public PostgresServer Server { get; } = server;

    public async ValueTask DisposeAsync()
    {
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }
        await Server.ExecuteAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }
}
