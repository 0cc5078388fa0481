using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using StackExchange.Redis;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Hosting;

/// <summary>docker-compose.yml's Redis requires a password: the compose file hands Redis, its health check and the studio the
/// same secret file through docker/redis-password.sh, and the script is run here for real, against a local redis-server.</summary>
public sealed class ComposeRedisPasswordTests : IDisposable
{
    private const string ScriptInContainer = "/opt/workflowstudio/redis-password.sh";
    private const string SecretFolder = "/run/secrets/redis";
    private static readonly string Script = RepositoryFiles.PathOf("docker", "redis-password.sh");
    private static readonly string Compose = File.ReadAllText(RepositoryFiles.PathOf("docker-compose.yml")).ReplaceLineEndings("\n");
    private readonly string _folder = Directory.CreateTempSubdirectory("compose-redis-").FullName;
    private readonly List<Process> _servers = [];

    private string PasswordFile => Path.Combine(_folder, "password");

    public void Dispose()
    {
        StopServers();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void ComposeFile_RedisItsHealthCheckAndTheStudio_TakeThePasswordFromOneSecretFile()
    {
        // Arrange
        var redis = Service("redis");
        var studio = Service("studio");

        // Assert: Redis starts through the script (which then runs the image's entrypoint), and so do its health check and
        // the studio, each with the secret volume at the script's default path.
        Assert.Contains($"entrypoint: [\"sh\", \"{ScriptInContainer}\", \"server\"]", redis);
        Assert.Contains("command:\n      - docker-entrypoint.sh\n      - redis-server\n", redis);
        Assert.Contains("REDIS_PASSWORD: \"${REDIS_PASSWORD:-}\"", redis);
        Assert.Contains($"\"CMD-SHELL\", \"sh {ScriptInContainer} client redis-cli ping | grep -q PONG\"", redis);
        Assert.Contains($"entrypoint: [\"sh\", \"{ScriptInContainer}\", \"client\"]", studio);
        Assert.Contains("command: [\"dotnet\", \"WorkflowStudio.dll\"]", studio);
        Assert.Contains($"- redis-secret:{SecretFolder}\n", redis);
        Assert.Contains($"- redis-secret:{SecretFolder}:ro\n", studio);
        foreach (var service in new[] { redis, studio })
        {
            Assert.Contains($"- ./docker/redis-password.sh:{ScriptInContainer}:ro\n", service);
        }
        Assert.Contains("\n  redis-secret:", Compose[Compose.IndexOf("\nvolumes:", StringComparison.Ordinal)..]);
        Assert.Contains($"REDIS_PASSWORD_FILE:-{SecretFolder}/password", File.ReadAllText(Script));

        // The connection string in the file carries no password: the script adds it.
        Assert.Equal("redis:6379,abortConnect=false", StudioConnectionString());
    }

    [Fact]
    public async Task Script_NoPasswordGiven_GeneratesOneThatRedisRequiresAndTheStudioAndHealthCheckUseAndARestartKeeps()
    {
        // Arrange
        var port = FreePort();

        // Act
        await StartServerAsync(port, password: null);
        var generated = await File.ReadAllTextAsync(PasswordFile);
        var studio = await StudioConnectionStringAsync();
        var health = await RunClientAsync("redis-cli", "-p", port.ToString(CultureInfo.InvariantCulture), "ping");

        // Assert
        Assert.Matches("^[0-9a-f]{64}$", generated);
        Assert.StartsWith("-NOAUTH", await PingWithoutPasswordAsync(port), StringComparison.Ordinal);
        Assert.Equal($"{StudioConnectionString()},password={generated}", studio);
        await AssertStudioConnectsAsync(studio, port);
        Assert.Equal("PONG", health.Trim());

        // Act 2: Redis restarts (the volume keeps the file).
        StopServers();
        await StartServerAsync(port, password: null);

        // Assert 2: the same password, still the studio's.
        Assert.Equal(generated, await File.ReadAllTextAsync(PasswordFile));
        await AssertStudioConnectsAsync(await StudioConnectionStringAsync(), port);
    }

    [Fact]
    public async Task Script_PasswordGiven_RedisRequiresThatOneAndTheStudioUsesIt()
    {
        // Arrange
        var port = FreePort();
        await File.WriteAllTextAsync(PasswordFile, "an-older-generated-one");

        // Act
        await StartServerAsync(port, password: "Chosen.pass_word-1~");
        var studio = await StudioConnectionStringAsync();

        // Assert
        Assert.Equal("Chosen.pass_word-1~", await File.ReadAllTextAsync(PasswordFile));
        Assert.StartsWith("-NOAUTH", await PingWithoutPasswordAsync(port), StringComparison.Ordinal);
        Assert.EndsWith(",password=Chosen.pass_word-1~", studio, StringComparison.Ordinal);
        await AssertStudioConnectsAsync(studio, port);
    }

    [Theory]
    [InlineData("two,parts")]
    [InlineData("with space")]
    [InlineData("semi;colon")]
    public async Task Script_PasswordThatCannotGoIntoAConnectionString_RefusedWithTheReasonAndNothingStarted(string password)
    {
        // Act
        var script = Run(new() { ["REDIS_PASSWORD"] = password }, "server", RedisServer.DefaultExecutable, "--port", FreePort().ToString(CultureInfo.InvariantCulture));
        _servers.Add(script); // stopped by Dispose, should it start a server after all
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await script.WaitForExitAsync(timeout.Token);
        var error = await script.StandardError.ReadToEndAsync();

        // Assert
        Assert.Equal(64, script.ExitCode);
        Assert.Contains("REDIS_PASSWORD may hold only letters, digits and . _ ~ -", error, StringComparison.Ordinal);
        Assert.False(File.Exists(PasswordFile));
    }

    /// <summary>One service's block of docker-compose.yml (its lines up to the next service or top-level key).</summary>
    private static string Service(string name)
    {
        var start = Compose.IndexOf($"\n  {name}:\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docker-compose.yml has no service {name}");
        var end = Regex.Match(Compose[(start + 1)..], @"\n(  \S|\S)").Index;
        return Compose.Substring(start + 1, end + 1);
    }

    private static string StudioConnectionString() =>
        Regex.Match(Service("studio"), "ConnectionStrings__Redis: \"([^\"]*)\"").Groups[1].Value;

    /// <summary>The connection string the studio starts with: the compose file's, through the script's client side.</summary>
    private async Task<string> StudioConnectionStringAsync() =>
        (await RunClientAsync("printenv", "ConnectionStrings__Redis")).TrimEnd('\n');

    private async Task<string> RunClientAsync(params string[] command)
    {
        using var client = Run(new() { ["ConnectionStrings__Redis"] = StudioConnectionString() }, ["client", .. command]);
        var output = await client.StandardOutput.ReadToEndAsync();
        await client.WaitForExitAsync();
        Assert.True(client.ExitCode == 0, await client.StandardError.ReadToEndAsync());
        return output;
    }

    /// <summary>What the studio does with its connection string (compose's host name pointed at the local server).</summary>
    private static async Task AssertStudioConnectsAsync(string connectionString, int port)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(connectionString.Replace("redis:6379", $"127.0.0.1:{port}", StringComparison.Ordinal));
        await connection.GetDatabase().PingAsync();
    }

    private async Task StartServerAsync(int port, string? password)
    {
        var server = Run(new() { ["REDIS_PASSWORD"] = password }, "server", RedisServer.DefaultExecutable,
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", _folder, "--loglevel", "warning");
        _servers.Add(server);
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        await Eventually.WaitUntilAsync(async () => server.HasExited || await PingWithoutPasswordAsync(port) is not null,
            TimeSpan.FromSeconds(15), $"redis-server on port {port}");
        Assert.False(server.HasExited, "redis-server exited at start");
    }

    private void StopServers()
    {
        foreach (var server in _servers)
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
            server.WaitForExit();
            server.Dispose();
        }
        _servers.Clear();
    }

    /// <summary>The script under <c>sh</c>, as in the containers, with its secret file in the test's folder.</summary>
    private Process Run(Dictionary<string, string?> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("sh")
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment.Remove("REDIS_PASSWORD");
        info.Environment.Remove("ConnectionStrings__Redis");
        info.Environment["REDIS_PASSWORD_FILE"] = PasswordFile;
        foreach (var (name, value) in environment.Where(e => e.Value is not null))
        {
            info.Environment[name] = value;
        }
        return Process.Start(info)!;
    }

    /// <summary>The first line of the server's reply to an unauthenticated PING; null while nothing listens.</summary>
    private static async Task<string?> PingWithoutPasswordAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            using var reader = new StreamReader(stream, Encoding.ASCII);
            return await reader.ReadLineAsync();
        }
        catch (SocketException)
        {
            return null;
        }
        catch (IOException)
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
