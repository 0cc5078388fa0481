using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WorkflowTesting;

/// <summary>
/// A small web API on 127.0.0.1 and a free port, for tests of the HTTP request step over real HTTP. Every path and method is
/// answered by <see cref="Responder"/> (default: 200 with <c>{"ok":true}</c>); <see cref="Requests"/> keeps what was asked.
/// <see cref="FailNext"/> answers the next calls with a status code first; <see cref="Hang"/> never answers (for timeouts).
/// </summary>
public sealed class FakeHttpApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<FakeHttpRequest> _requests = new();
    private int _failuresLeft;
    private int _failureStatus = 503;

    private FakeHttpApi(WebApplication app, Uri root)
    {
        _app = app;
        Root = root;
    }

    /// <summary>The server root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Root { get; }

    /// <summary>The reply to a request: status, content type and body.</summary>
    public Func<FakeHttpRequest, FakeHttpResponse> Responder { get; set; } = _ => new FakeHttpResponse(200, """{"ok":true}""");

    /// <summary>When true, requests are accepted and never answered (until the client gives up or the server stops).</summary>
    public bool Hang { get; set; }

    /// <summary>Every request received, failed ones too.</summary>
    public IReadOnlyList<FakeHttpRequest> Requests => [.. _requests];

    public static async Task<FakeHttpApi> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeHttpApi? server = null;
        app.Run(http => server!.HandleAsync(http));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeHttpApi(app, new Uri(address.EndsWith('/') ? address : address + "/"));
        return server;
    }

    /// <summary>An absolute URL on this server, e.g. <c>Url("orders/42")</c>.</summary>
    public string Url(string pathAndQuery) => new Uri(Root, pathAndQuery).ToString();

    /// <summary>The next <paramref name="times"/> requests get <paramref name="statusCode"/> (and are recorded).</summary>
    public void FailNext(int times, int statusCode = 503)
    {
        _failureStatus = statusCode;
        Volatile.Write(ref _failuresLeft, times);
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        var request = new FakeHttpRequest(
            http.Request.Method,
            // As sent (Path would be decoded), so tests see exactly what the client put on the wire.
            http.Features.Get<IHttpRequestFeature>()!.RawTarget,
            http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body);
        _requests.Enqueue(request);
        if (Hang)
        {
            // Never answers: waits until the client gives up or the server stops.
            var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (http.RequestAborted.Register(() => released.TrySetResult()))
            using (_stopping.Token.Register(() => released.TrySetResult()))
            {
                await released.Task;
            }
            return;
        }
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            http.Response.StatusCode = _failureStatus;
            return;
        }
        var response = Responder(request);
        http.Response.StatusCode = response.Status;
        http.Response.ContentType = response.ContentType;
        if (response.Location is { } location)
        {
            http.Response.Headers.Location = location;
        }
        var bytes = System.Text.Encoding.UTF8.GetBytes(response.Body);
        if (!response.Chunked)
        {
            http.Response.ContentLength = bytes.Length;
        }
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Connections still open after the grace period are aborted; nothing more to do.
        }
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}

/// <summary>A request the fake API received; <see cref="Target"/> is the request target as sent (path and query, still encoded).</summary>
public sealed record FakeHttpRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A reply of the fake API.</summary>
public sealed record FakeHttpResponse(int Status, string Body, string ContentType = "application/json; charset=utf-8")
{
    /// <summary>A redirect's target.</summary>
    public string? Location { get; init; }

    /// <summary>Sent without a Content-Length (chunked), so the client learns the size only by reading.</summary>
    public bool Chunked { get; init; }
}
