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
/// <para>A run key is handed to the public (a web page's chat); what the run endpoints show it is narrowed through
/// <see cref="IsRunKeyCaller"/>.</para>
/// </summary>
internal sealed class ApiAccess : IAsyncDisposable
{
    private static readonly object RunKeyCallerItem = new();
    private static readonly object CallerItem = new();

    private readonly ApiKeyService _keys;
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly int _permits;

    public ApiAccess(ApiKeyService keys, IOptions<ApiOptions> options)
    {
        _keys = keys;
        var o = options.Value;
        _permits = o.RateLimitPermits;
        _limiter = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetFixedWindowLimiter(partition, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = o.RateLimitPermits, Window = TimeSpan.FromSeconds(o.RateLimitWindowSeconds), QueueLimit = 0 }));
    }

    public async ValueTask<object?> RequireAdminAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!_keys.AdminEnabled)
        {
            return ApiProblems.NotFound("The management API is turned off: set Api:AdminKey to turn it on.");
        }
        var http = context.HttpContext;
        var check = await _keys.CheckAsync(http.Request.Headers.Authorization, http.RequestAborted);
        return check.Result switch
        {
            KeyCheck.Admin => await next(context),
            KeyCheck.RunKey => Forbidden("A run key can only run its workflow; management needs the admin key."),
            _ => Unauthorized(http, check.Result),
        };
    }

    public async ValueTask<object?> RequireRunAccessAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var workflowId = http.GetRouteValue("id") as string ?? "";
        var check = await _keys.CheckAsync(http.Request.Headers.Authorization, http.RequestAborted);
        string partition;
        switch (check.Result)
        {
            case KeyCheck.Admin:
                partition = "admin";
                http.Items[CallerItem] = Actors.AdminApiKey;
                break;
            case KeyCheck.RunKey when check.Key!.WorkflowId == workflowId:
                partition = check.Key.Id;
                http.Items[RunKeyCallerItem] = true;
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

    /// <summary>True when a run endpoint was called with a run key (not the admin key).</summary>
    public static bool IsRunKeyCaller(HttpContext http) => http.Items.ContainsKey(RunKeyCallerItem);

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

    public ValueTask DisposeAsync() => _limiter.DisposeAsync();
}
