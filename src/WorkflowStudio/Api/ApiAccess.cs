using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Api;

/// <summary>
/// Who may call what. Management endpoints need the admin key (and do not exist, 404, when <c>Api:AdminKey</c> is unset);
/// run endpoints take the admin key or a run key of that very workflow. No key or an unknown or revoked key → 401; a valid
/// key without the right → 403. Run endpoints are rate limited per key (fixed window, <see cref="ApiOptions.RateLimitPermits"/>
/// per <see cref="ApiOptions.RateLimitWindowSeconds"/>), 429 with Retry-After beyond. The limiter is ASP.NET's
/// (System.Threading.RateLimiting) used from an endpoint filter rather than the middleware, because the partition is the
/// key's identity, known only after the key is checked.
/// <para>Guessing keys is limited per client address: each failed check (unknown or revoked key) takes a permit of that address
/// (<see cref="ApiOptions.FailedKeyPermits"/> per <see cref="ApiOptions.FailedKeyWindowSeconds"/>); once they are used up, the
/// address gets 429 for every keyed request until the window ends, answered before the key is hashed or looked up, so a flood
/// of guesses costs no database read. Successful checks take no permit. Behind a reverse proxy the address is the proxy's unless
/// forwarded headers are configured.</para>
/// <para>A run key is handed to the public (a web page's chat); what the run endpoints show it is narrowed through
/// <see cref="IsRunKeyCaller"/>.</para>
/// </summary>
internal sealed class ApiAccess : IAsyncDisposable
{
    private static readonly object RunKeyCallerItem = new();
    private static readonly object CallerItem = new();

    private readonly ApiKeyService _keys;
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly PartitionedRateLimiter<string> _failures;
    private readonly int _permits;
    private readonly int _failedPermits;

    public ApiAccess(ApiKeyService keys, IOptions<ApiOptions> options)
    {
        _keys = keys;
        var o = options.Value;
        _permits = o.RateLimitPermits;
        _failedPermits = o.FailedKeyPermits;
        _limiter = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetFixedWindowLimiter(partition, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = o.RateLimitPermits, Window = TimeSpan.FromSeconds(o.RateLimitWindowSeconds), QueueLimit = 0 }));
        _failures = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = o.FailedKeyPermits, Window = TimeSpan.FromSeconds(o.FailedKeyWindowSeconds), QueueLimit = 0 }));
    }

    public async ValueTask<object?> RequireAdminAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!_keys.AdminEnabled)
        {
            return ApiProblems.NotFound("The management API is turned off: set Api:AdminKey to turn it on.");
        }
        var http = context.HttpContext;
        var (check, refused) = await CheckKeyAsync(http);
        if (refused is not null)
        {
            return refused;
        }
        return check.Result switch
        {
            KeyCheck.Admin => await next(context),
            KeyCheck.RunKey => Forbidden("A run key can only run its workflow; management needs the admin key."),
            _ => Unauthorized(http, check.Result),
        };
    }

    /// <summary>Run endpoints of one workflow (route value <c>id</c>): the admin key or a run key of that workflow.</summary>
    public ValueTask<object?> RequireRunAccessAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        RequireRunAccessAsync(context, next, context.HttpContext.GetRouteValue("id") as string ?? "");

    /// <summary>Endpoints about a recorded run (route value <c>runId</c>): the admin key or any valid run key. The endpoint
    /// answers 404 for a run of another workflow than the key's (<see cref="RunKeyWorkflow"/>), as for an unknown run.</summary>
    public ValueTask<object?> RequireRecordedRunAccessAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        RequireRunAccessAsync(context, next, null);

    /// <param name="workflowId">The workflow a run key must belong to; null: any (the endpoint checks).</param>
    private async ValueTask<object?> RequireRunAccessAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, string? workflowId)
    {
        var http = context.HttpContext;
        var (check, refused) = await CheckKeyAsync(http);
        if (refused is not null)
        {
            return refused;
        }
        string partition;
        switch (check.Result)
        {
            case KeyCheck.Admin:
                partition = "admin";
                http.Items[CallerItem] = Actors.AdminApiKey;
                break;
            case KeyCheck.RunKey when workflowId is null || check.Key!.WorkflowId == workflowId:
                partition = check.Key!.Id;
                http.Items[RunKeyCallerItem] = check.Key.WorkflowId;
                http.Items[CallerItem] = Actors.RunKey(check.Key.Prefix);
                break;
            case KeyCheck.RunKey:
                return Forbidden("This key belongs to another workflow.");
            default:
                return Unauthorized(http, check.Result);
        }
        using var lease = _limiter.AttemptAcquire(partition);
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
            http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            return ApiProblems.Create(StatusCodes.Status429TooManyRequests, "Too many requests",
                $"This key made more than {ApiProblems.Number(_permits)} requests in the current window; try again in {retryAfter} s.");
        }
        return await next(context);
    }

    /// <summary>The key check, or a 429 when the client's address has used up its failed checks (nothing is looked up then).</summary>
    private async ValueTask<(KeyCheckResult Check, IResult? Refused)> CheckKeyAsync(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        // Zero permits asks whether any are left without taking one.
        using (var open = _failures.AttemptAcquire(address, 0))
        {
            if (!open.IsAcquired)
            {
                return (new KeyCheckResult(KeyCheck.Missing), TooManyFailures(http, open.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1)));
            }
        }
        var check = await _keys.CheckAsync(http.Request.Headers.Authorization, http.RequestAborted);
        if (check.Result is KeyCheck.Invalid or KeyCheck.Revoked)
        {
            using var _ = _failures.AttemptAcquire(address);
        }
        return (check, null);
    }

    private IResult TooManyFailures(HttpContext http, TimeSpan wait)
    {
        var retryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return ApiProblems.Create(StatusCodes.Status429TooManyRequests, "Too many failed key checks",
            $"Requests from this address presented more than {ApiProblems.Number(_failedPermits)} unknown or revoked keys in the current window; try again in {retryAfter} s.");
    }

    /// <summary>True when a run endpoint was called with a run key (not the admin key).</summary>
    public static bool IsRunKeyCaller(HttpContext http) => http.Items.ContainsKey(RunKeyCallerItem);

    /// <summary>The workflow of the run key the endpoint was called with; null for the admin key.</summary>
    public static string? RunKeyWorkflow(HttpContext http) => http.Items.TryGetValue(RunKeyCallerItem, out var workflowId) ? workflowId as string : null;

    /// <summary>Which key called a run endpoint, as recorded with the run (<see cref="Actors"/>).</summary>
    public static string? CallerOf(HttpContext http) => http.Items.TryGetValue(CallerItem, out var caller) ? caller as string : null;

    private static IResult Forbidden(string detail) =>
        ApiProblems.Create(StatusCodes.Status403Forbidden, "Not allowed", detail);

    private static IResult Unauthorized(HttpContext http, KeyCheck result)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiProblems.Create(StatusCodes.Status401Unauthorized, "A valid key is needed", result switch
        {
            KeyCheck.Missing => "Send a key in the Authorization header: 'Authorization: Bearer <key>'.",
            KeyCheck.Revoked => "This key was revoked.",
            _ => "The key is not valid.",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _limiter.DisposeAsync();
        await _failures.DisposeAsync();
    }
}
