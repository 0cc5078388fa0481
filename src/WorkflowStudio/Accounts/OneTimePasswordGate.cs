using Microsoft.AspNetCore.Components.Endpoints;

namespace WorkflowStudio.Accounts;

/// <summary>A user signed in with the one-time password an administrator gave them reaches no studio page until they have
/// chosen their own: page requests go to the change-password page (which renews the cookie without the mark).</summary>
internal static class OneTimePasswordGate
{
    public static IApplicationBuilder UseOneTimePasswordGate(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.User.HasClaim(c => c.Type == StudioClaimsPrincipalFactory.MustChangePasswordClaim)
            && context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is not null
            && !context.Request.Path.StartsWithSegments("/account"))
        {
            var returnUrl = context.Request.Path + context.Request.QueryString;
            context.Response.Redirect($"/account/password?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
            return Task.CompletedTask;
        }
        return next(context);
    });
}
