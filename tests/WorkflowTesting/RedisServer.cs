using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace WorkflowTesting;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, in its own temp directory, with persistence off.
/// <see cref="Stop"/> and <see cref="Start"/> simulate an outage and a recovery on the same port. Disposing kills it.
/// Share one per test collection: define in the test assembly
/// <code>[CollectionDefinition(RedisServer.Collection)] public sealed class RedisCollection : ICollectionFixture&lt;RedisServer&gt;;</code>
/// and mark test classes <c>[Collection(RedisServer.Collection)]</c> (xunit only finds collection definitions in the test assembly).
/// </summary>
public sealed class RedisServer : IAsyncLifetime, IDisposable
{
    public const string Collection = "redis";
    public const string DefaultExecutable = "/usr/bin/redis-server";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly string _executable;
    private readonly string _directory;
    private readonly Func<RedisServer, IReadOnlyList<string>> _arguments;
    private readonly object _gate = new();
    private readonly StringBuilder _log = new();
    private Process? _process;
    private bool _disposed;

    public RedisServer() : this(DefaultExecutable, DataNodeArguments)
    {
    }

    /// <summary>A server using another executable (xunit fixtures may have only one public constructor).</summary>
    public static RedisServer WithExecutable(string executable) => new(executable, DataNodeArguments);

    /// <summary>A replica of <paramref name="primary"/> (persistence off, like every data node here).</summary>
    public static RedisServer ReplicaOf(RedisServer primary) =>
        new(DefaultExecutable, s => [.. DataNodeArguments(s), "--replicaof", primary.Host, primary.Port.ToString()]);

    /// <summary>A Sentinel (<c>redis-server &lt;conf&gt; --sentinel</c>) watching <paramref name="primary"/> as
    /// <paramref name="serviceName"/>. Sentinel rewrites its config file, so it lives in the server's own temp directory.</summary>
    public static RedisServer Sentinel(RedisServer primary, string serviceName, int quorum, TimeSpan downAfter, TimeSpan failoverTimeout) =>
        new(DefaultExecutable, s =>
        {
            var conf = Path.Combine(s._directory, "sentinel.conf");
            File.WriteAllText(conf, $"""
                port {s.Port}
                bind {s.Host}
                protected-mode no
                daemonize no
                loglevel warning
                dir {s._directory}
                sentinel monitor {serviceName} {primary.Host} {primary.Port} {quorum}
                sentinel down-after-milliseconds {serviceName} {(int)downAfter.TotalMilliseconds}
                sentinel failover-timeout {serviceName} {(int)failoverTimeout.TotalMilliseconds}
                sentinel parallel-syncs {serviceName} 1

                """);
            return [conf, "--sentinel"];
        });

    private RedisServer(string executable, Func<RedisServer, IReadOnlyList<string>> arguments)
    {
        _executable = executable;
        _arguments = arguments;
        _directory = Path.Combine(Path.GetTempPath(), "wf-redis-" + Guid.NewGuid().ToString("n")[..12]);
        Port = FreePort();
    }

    private static IReadOnlyList<string> DataNodeArguments(RedisServer s) =>
    [
        "--port", s.Port.ToString(), "--bind", s.Host, "--save", "", "--appendonly", "no", "--dir", s._directory,
        "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning",
        // A replica's first sync starts at once (Redis 7 waits 5 s for more replicas to share the transfer).
        "--repl-diskless-sync-delay", "0",
    ];

    /// <summary>The loopback port; the same across <see cref="Stop"/>/<see cref="Start"/>.</summary>
    public int Port { get; }

    public string Host => "127.0.0.1";

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string Endpoint => $"{Host}:{Port}";

    /// <summary>A StackExchange.Redis configuration string (what <c>ConnectionStrings:Redis</c> holds).
    /// abortConnect=false so clients created while the server is stopped still start and reconnect later.</summary>
    public string ConnectionString => $"{Endpoint},abortConnect=false,connectTimeout=2000";

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false };
            }
        }
    }

    /// <summary>Starts the server (if it is not running) and waits until it answers PING.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate)
        {
            if (_process is { HasExited: false })
            {
                return;
            }
            if (!File.Exists(_executable))
            {
                throw new InvalidOperationException(
                    $"redis-server was not found at {_executable}. The Redis tests need a real server: install it with 'apt-get install -y redis-server'.");
            }
            Directory.CreateDirectory(_directory);
            var info = new ProcessStartInfo(_executable)
            {
                WorkingDirectory = _directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in _arguments(this))
            {
                info.ArgumentList.Add(arg);
            }
            var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => AppendLog(e.Data);
            process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
        }
        WaitUntilReady();
    }

    /// <summary>An outage of a server whose data survives it: the data is saved (<c>SAVE</c>, into the server's directory) and
    /// the server killed; the next <see cref="Start"/> loads it back.</summary>
    public async Task StopKeepingDataAsync()
    {
        await CommandAsync("SAVE");
        Stop();
    }

    /// <summary>Kills the server at once (an outage; nothing is saved). The port stays reserved for <see cref="Start"/>.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (_process is null)
            {
                return;
            }
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }
                _process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            _process.Dispose();
            _process = null;
        }
    }

    /// <summary>Sends one command over a fresh connection and returns the reply as text
    /// (integers as digits, nil as null, arrays joined by newlines). Errors throw.</summary>
    public async Task<string?> CommandAsync(params string[] args)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        var request = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var arg in args)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        }
        var bytes = Encoding.UTF8.GetBytes(request.ToString());
        await stream.WriteAsync(bytes);
        var reader = new RespReader(stream);
        return await reader.ReadAsync();
    }

    /// <summary>Empties every database (between tests).</summary>
    public Task FlushAllAsync() => CommandAsync("FLUSHALL");

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

    public Task InitializeAsync()
    {
        Start();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        Stop();
        _disposed = true;
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp dir left behind is harmless.
        }
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private void WaitUntilReady()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            lock (_gate)
            {
                if (_process is null || _process.HasExited)
                {
                    throw new InvalidOperationException($"redis-server exited during start on port {Port}. Its output:\n{Log}");
                }
            }
            try
            {
                if (CommandAsync("PING").GetAwaiter().GetResult() == "PONG")
                {
                    return;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }
            catch (IOException)
            {
                // Accepted but closed while loading.
            }
            Thread.Sleep(20);
        }
        throw new TimeoutException($"redis-server on port {Port} did not answer PING within {StartTimeout.TotalSeconds} s. Its output:\n{Log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Just enough RESP2 to read one reply.</summary>
    private sealed class RespReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private int _start;
        private int _end;

        public async Task<string?> ReadAsync()
        {
            var line = await ReadLineAsync();
            var payload = line[1..];
            switch (line[0])
            {
                case '+':
                case ':':
                    return payload;
                case '-':
                    throw new InvalidOperationException("Redis replied with an error: " + payload);
                case '$':
                    {
                        var length = int.Parse(payload);
                        if (length < 0)
                        {
                            return null;
                        }
                        var data = await ReadExactAsync(length + 2);
                        return Encoding.UTF8.GetString(data, 0, length);
                    }
                case '*':
                    {
                        var count = int.Parse(payload);
                        if (count < 0)
                        {
                            return null;
                        }
                        var items = new List<string?>(count);
                        for (var i = 0; i < count; i++)
                        {
                            items.Add(await ReadAsync());
                        }
                        return string.Join('\n', items);
                    }
                default:
                    throw new InvalidOperationException("Unexpected Redis reply: " + line);
            }
        }

        private async Task<string> ReadLineAsync()
        {
            var bytes = new List<byte>();
            while (true)
            {
                if (_start == _end)
                {
                    await FillAsync();
                }
                var b = _buffer[_start++];
                if (b == '\n' && bytes.Count > 0 && bytes[^1] == '\r')
                {
                    bytes.RemoveAt(bytes.Count - 1);
                    return Encoding.UTF8.GetString(bytes.ToArray());
                }
                bytes.Add(b);
            }
        }

        private async Task<byte[]> ReadExactAsync(int count)
        {
            var result = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end)
                {
                    await FillAsync();
                }
                var n = Math.Min(count - filled, _end - _start);
                Array.Copy(_buffer, _start, result, filled, n);
                _start += n;
                filled += n;
            }
            return result;
        }

        private async Task FillAsync()
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer);
            if (_end == 0)
            {
                throw new IOException("Redis closed the connection.");
            }
        }
    }
}
