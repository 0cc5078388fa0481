using System.Security.Cryptography;

namespace WorkflowStudio.Hosting;

/// <summary>
/// Security headers on every response. The content security policy suits Blazor Server with MudBlazor: scripts only from the
/// studio itself plus the one inline script Blazor renders (the import map), allowed by a per-request nonce; styles may be
/// inline because MudBlazor writes style attributes and its theme as a &lt;style&gt; element; the circuit's WebSocket is same
/// origin ('self'). No page may be framed (clickjacking), content types are never sniffed, and no referrer leaves the studio.
/// The HTTP API's answers are JSON, never a page: they get a policy that allows nothing and no nonce (the API reference under
/// <see cref="Api.ApiDocument.ReferencePrefix"/> is a page, and gets the studio's).
/// </summary>
internal static class SecurityHeaders
{
    private const string NonceKey = "studio.csp-nonce";

    /// <summary>For JSON: nothing in it may load or run anything, and it may not be framed.</summary>
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>The nonce of this response's content security policy, for the inline import map (see App.razor).</summary>
    public static string Nonce(HttpContext context) => context.Items[NonceKey] as string ?? "";

    public static IApplicationBuilder UseStudioSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Response.Headers;
        if (IsApi(context.Request.Path))
        {
            headers.ContentSecurityPolicy = ApiPolicy;
        }
        else
        {
            var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            context.Items[NonceKey] = nonce;
            headers.ContentSecurityPolicy =
                $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
                "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
        }
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    });

    private static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) && !path.StartsWithSegments(Api.ApiDocument.ReferencePrefix, StringComparison.OrdinalIgnoreCase);
}
