using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WorkflowTesting;

/// <summary>The person the <see cref="FakeOidcProvider"/> signs in. <paramref name="Role"/> goes into the id token's
/// <c>role</c> claim when set; <paramref name="EmailVerified"/> into <c>email_verified</c> when set.</summary>
public sealed record FakeOidcUser(string Subject, string? Email, string? Role = null, bool? EmailVerified = null, string Name = "Test Person");

/// <summary>
/// A small OpenID Connect provider on 127.0.0.1 and a free port, for tests of the studio's single sign-on over real HTTP and a
/// real browser: discovery (<c>/.well-known/openid-configuration</c>), the signing key (<c>/jwks</c>, RSA), <c>/authorize</c>,
/// which signs in <see cref="User"/> at once (no login form, consent given) and sends the browser back with a code, and
/// <c>/token</c>, which swaps the code for an RS256 id token after checking the client, the redirect URI and the PKCE verifier.
/// Only the authorization code flow with <c>response_mode=query</c>, which is what the studio uses.
/// <code>
/// await using var idp = await FakeOidcProvider.StartAsync();
/// idp.User = new FakeOidcUser("sub-1", "ann@example.test", Role: "Editor");
/// // configure Authentication:Oidc:Authority = idp.Authority, ClientId = idp.ClientId, ClientSecret = idp.ClientSecret
/// </code>
/// </summary>
public sealed class FakeOidcProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;
    private readonly ConcurrentDictionary<string, PendingCode> _codes = new(StringComparer.Ordinal);
    private int _tokensIssued;

    private FakeOidcProvider(WebApplication app, RsaSecurityKey key, string authority)
    {
        _app = app;
        _key = key;
        Authority = authority;
    }

    /// <summary>The issuer, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public string Authority { get; }

    public string ClientId { get; } = "workflow-studio";

    public string ClientSecret { get; } = "studio-test-secret";

    /// <summary>Who <c>/authorize</c> signs in.</summary>
    public FakeOidcUser User { get; set; } = new("fake-subject-1", "sso.viewer@example.test");

    /// <summary>How many id tokens were handed out (one per completed sign-in).</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    public static async Task<FakeOidcProvider> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeOidcProvider? provider = null;
        app.MapGet("/.well-known/openid-configuration", () => provider!.Discovery());
        app.MapGet("/jwks", () => provider!.Jwks());
        app.MapGet("/authorize", (HttpRequest request) => provider!.Authorize(request));
        app.MapPost("/token", (HttpRequest request) => provider!.TokenAsync(request));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        provider = new FakeOidcProvider(app, new RsaSecurityKey(RSA.Create(2048)) { KeyId = "fake-key-1" }, address);
        return provider;
    }

    private IResult Discovery() => Results.Json(new Dictionary<string, object>
    {
        ["issuer"] = Authority,
        ["authorization_endpoint"] = $"{Authority}/authorize",
        ["token_endpoint"] = $"{Authority}/token",
        ["jwks_uri"] = $"{Authority}/jwks",
        ["response_types_supported"] = new[] { "code" },
        ["response_modes_supported"] = new[] { "query" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
        ["scopes_supported"] = new[] { "openid", "profile", "email" },
        ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
        ["code_challenge_methods_supported"] = new[] { "S256" },
    });

    private IResult Jwks()
    {
        var parameters = _key.Rsa.ExportParameters(includePrivateParameters: false);
        return Results.Json(new
        {
            keys = new[]
            {
                new Dictionary<string, string>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = SecurityAlgorithms.RsaSha256,
                    ["kid"] = _key.KeyId,
                    ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                },
            },
        });
    }

    private IResult Authorize(HttpRequest request)
    {
        var query = request.Query;
        string? redirectUri = query["redirect_uri"];
        if (query["client_id"] != ClientId || query["response_type"] != "code" || string.IsNullOrEmpty(redirectUri))
        {
            return Results.BadRequest("Unknown client, or not the code flow.");
        }
        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
        _codes[code] = new PendingCode(User, redirectUri, query["nonce"], query["code_challenge"]);
        var back = QueryHelpers.AddQueryString(redirectUri, new Dictionary<string, string?> { ["code"] = code, ["state"] = query["state"] });
        return Results.Redirect(back);
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        var (clientId, clientSecret) = ClientCredentials(request, form);
        if (clientId != ClientId || clientSecret != ClientSecret)
        {
            return Results.Json(new { error = "invalid_client" }, statusCode: StatusCodes.Status401Unauthorized);
        }
        if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var pending)
            || form["redirect_uri"] != pending.RedirectUri || !PkceMatches(pending.CodeChallenge, form["code_verifier"]))
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: StatusCodes.Status400BadRequest);
        }
        var accessToken = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = pending.User.Subject,
            ["name"] = pending.User.Name,
            // The left half of the access token's SHA-256, which the client checks against the access token it got.
            ["at_hash"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken))[..16]),
        };
        if (pending.Nonce is { Length: > 0 } nonce)
        {
            claims[JwtRegisteredClaimNames.Nonce] = nonce;
        }
        if (pending.User.Email is { } email)
        {
            claims[JwtRegisteredClaimNames.Email] = email;
        }
        if (pending.User.EmailVerified is { } verified)
        {
            claims["email_verified"] = verified;
        }
        if (pending.User.Role is { } role)
        {
            claims["role"] = role;
        }
        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authority,
            Audience = ClientId,
            Claims = claims,
            IssuedAt = DateTime.UtcNow,
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
        Interlocked.Increment(ref _tokensIssued);
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = accessToken,
            ["token_type"] = "Bearer",
            ["expires_in"] = 300,
            ["id_token"] = idToken,
        });
    }

    /// <summary>client_secret_post (the form) or client_secret_basic (the Authorization header).</summary>
    private static (string? Id, string? Secret) ClientCredentials(HttpRequest request, IFormCollection form)
    {
        if (request.Headers.Authorization.ToString() is { } header && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim())).Split(':', 2);
            return (Uri.UnescapeDataString(pair[0]), pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : null);
        }
        return (form["client_id"], form["client_secret"]);
    }

    private static bool PkceMatches(string? challenge, string? verifier) =>
        string.IsNullOrEmpty(challenge)
        || (!string.IsNullOrEmpty(verifier) && Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) == challenge);

    public async ValueTask DisposeAsync()
    {
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
        _key.Rsa.Dispose();
    }

    private sealed record PendingCode(FakeOidcUser User, string RedirectUri, string? Nonce, string? CodeChallenge);
}
