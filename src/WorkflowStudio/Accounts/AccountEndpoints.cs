using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using WorkflowStudio.Components.Pages.Account;

namespace WorkflowStudio.Accounts;

/// <summary>The account actions that change cookies, which an interactive page cannot do.</summary>
internal static class AccountEndpoints
{
    public const string ExternalLoginPath = "/account/external-login";
    public const string ExternalCallbackPath = "/account/external-callback";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Sign-out as a form post: the button in the navigation posts here. Binding a form field makes this a form endpoint,
        // whose antiforgery token UseAntiforgery() validates (the form renders one), so another site cannot sign a user out.
        endpoints.MapPost("/account/logout", async (SignInManager<StudioUser> signIn, [FromForm] string? returnUrl) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login");
        }).ExcludeFromDescription(); // the studio's own form post, not part of the HTTP API the OpenAPI document describes

        // Single sign-on starts with a plain link (a form post's redirect to the provider would break the form-action 'self' of
        // the content security policy). Starting it from another site gains nothing: the provider signs in whoever is signed in
        // there, and only an answer to a challenge this browser started is accepted (correlation cookie and nonce).
        endpoints.MapGet(ExternalLoginPath, async (SignInManager<StudioUser> signIn, StudioAccounts accounts, IOptions<SingleSignOnOptions> sso, string? returnUrl) =>
        {
            if (!sso.Value.IsConfigured)
            {
                return Results.LocalRedirect("/account/login");
            }
            if (await accounts.NeedsSetupAsync())
            {
                // The first administrator is created on the set-up page, never by whoever signs in first.
                return Results.LocalRedirect("/account/setup");
            }
            var callback = $"{ExternalCallbackPath}?returnUrl={Uri.EscapeDataString(AccountRedirects.LocalOrHome(returnUrl))}";
            return Results.Challenge(signIn.ConfigureExternalAuthenticationProperties(SingleSignOnOptions.Scheme, callback), [SingleSignOnOptions.Scheme]);
        }).AllowAnonymous().ExcludeFromDescription();

        endpoints.MapGet(ExternalCallbackPath, async (HttpContext http, SingleSignOn singleSignOn, string? returnUrl) =>
        {
            var outcome = await singleSignOn.CompleteAsync();
            // The provider's answer has served its purpose; only the studio's own cookie stays.
            await http.SignOutAsync(IdentityConstants.ExternalScheme);
            return outcome == SingleSignOnOutcome.SignedIn
                ? Results.LocalRedirect(AccountRedirects.LocalOrHome(returnUrl))
                : Results.LocalRedirect($"/account/login?sso={outcome}");
        }).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }
}
