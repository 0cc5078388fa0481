using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Hosting;

/// <summary>docker-compose.yml's <c>scale</c> profile: a Redis primary and replica started through docker/redis-password.sh
/// and a Sentinel through docker/redis-sentinel.sh, each script run here for real against local redis-server processes on
/// loopback ports, as the containers run them; the studio connects the way the profile's connection string says.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the scripts are sh, run as in the Linux containers
public sealed class ComposeRedisSentinelTests : IDisposable
{
    private const string Password = "Scale.pass_word-2~";
    private static readonly string PasswordScript = RepositoryFiles.PathOf("docker", "redis-password.sh");
    private static readonly string SentinelScript = RepositoryFiles.PathOf("docker", "redis-sentinel.sh");
    private readonly string _folder = Directory.CreateTempSubdirectory("compose-sentinel-").FullName;
    private readonly List<Process> _processes = [];

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            process.WaitForExit();
            process.Dispose();
        }
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Scripts_PrimaryReplicaAndSentinel_ShareOnePasswordAndTheStudioFindsThePrimaryThroughTheSentinel()
    {
        // Arrange: the data nodes' server side writes the password file the Sentinel's client side reads
        var (primary, replica, sentinel) = (FreePort(), FreePort(), FreePort());
        Start(new() { ["REDIS_PASSWORD"] = Password }, PasswordScript, "server", RedisServer.DefaultExecutable, "--port", Text(primary), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", _folder);
        await WaitForPingAsync(primary);
        Start(new(), PasswordScript, "server", RedisServer.DefaultExecutable, "--port", Text(replica), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", _folder, "--replicaof", "127.0.0.1", Text(primary));
        await WaitForPingAsync(replica);
        var conf = Path.Combine(_folder, "sentinel.conf");

        // Act
        Start(new()
        {
            ["SENTINEL_HOSTNAME"] = "127.0.0.1",
            ["REDIS_PRIMARY_HOST"] = "127.0.0.1",
            ["REDIS_PRIMARY_PORT"] = Text(primary),
            ["SENTINEL_CONF"] = conf,
            ["SENTINEL_PORT"] = Text(sentinel),
            ["SENTINEL_QUORUM"] = "1",
        }, PasswordScript, "client", "sh", SentinelScript, RedisServer.DefaultExecutable);
        await WaitForPingAsync(sentinel);
        await using var studio = await ConnectionMultiplexer.ConnectAsync(
            $"127.0.0.1:{sentinel},serviceName=mymaster,password={Password},abortConnect=false");
        var key = $"compose-sentinel-{Guid.NewGuid():n}";
        await Eventually.WaitUntilAsync(async () =>
        {
            try
            {
                return await studio.GetDatabase().StringSetAsync(key, "written through the Sentinel");
            }
            catch (RedisException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "the studio to write to the primary the Sentinel names");
        await using var direct = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{replica},password={Password}");
        string? replicated = null;
        await Eventually.WaitUntilAsync(async () => (replicated = await direct.GetDatabase().StringGetAsync(key)) is not null,
            TimeSpan.FromSeconds(30), "the replica to copy the write (masterauth)");
        var withoutPassword = await PingAsync(sentinel);

        // Assert
        Assert.Equal("written through the Sentinel", replicated);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(conf) & (UnixFileMode)0x1FF);
        // The Sentinel rewrites its file once running, quoting values.
        Assert.Matches($"(?m)^requirepass \"?{System.Text.RegularExpressions.Regex.Escape(Password)}\"?$", await File.ReadAllTextAsync(conf));
        Assert.StartsWith("-NOAUTH", withoutPassword, StringComparison.Ordinal);
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>One script under <c>sh</c>, as in the containers, with the password file in the test's folder.</summary>
    private void Start(Dictionary<string, string?> environment, string script, params string[] arguments)
    {
        var info = new ProcessStartInfo("sh") { WorkingDirectory = _folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment.Remove("REDIS_PASSWORD");
        info.Environment["REDIS_PASSWORD_FILE"] = Path.Combine(_folder, "password");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    /// <summary>Waits until something answers RESP on the port (an error such as NOAUTH counts: the server is up).</summary>
    private async Task WaitForPingAsync(int port) =>
        await Eventually.WaitUntilAsync(async () =>
        {
            Assert.DoesNotContain(_processes, p => p.HasExited);
            return await PingAsync(port) is not null;
        }, TimeSpan.FromSeconds(15), $"a Redis process on port {port}");

    /// <summary>PING without a password: the first line of the answer, or null when nothing listens.</summary>
    private static async Task<string?> PingAsync(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, port);
            await socket.SendAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[256];
            var read = await socket.ReceiveAsync(buffer);
            return read > 0 ? System.Text.Encoding.ASCII.GetString(buffer, 0, read).TrimEnd() : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
