using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace WorkflowStudio.Accounts;

/// <summary>Sign-out as a form post: an interactive page cannot change cookies, so the button in the navigation posts here.
/// Binding a form field makes this a form endpoint, whose antiforgery token <c>UseAntiforgery()</c> validates (the form
/// renders one), so another site cannot sign a user out.</summary>
internal static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/account/logout", async (SignInManager<StudioUser> signIn, [FromForm] string? returnUrl) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login");
        }).ExcludeFromDescription(); // the studio's own form post, not part of the HTTP API the OpenAPI document describes
        return endpoints;
    }
}
