using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowStudio.Accounts;

namespace Microsoft.Extensions.DependencyInjection;

public static class AccountsServiceCollectionExtensions
{
    /// <summary>
    /// Studio accounts: ASP.NET Core Identity (users and the Admin, Editor and Viewer roles) in the studio's SQLite file, cookie
    /// sign-in, and a fallback policy that makes every endpoint need a signed-in user unless it allows anonymous access itself
    /// (the sign-in pages, static assets, health and the HTTP API, which checks its own keys). Password rules and lockout are
    /// Identity's defaults (5 failures lock an account for 5 minutes). The administrator can come from <c>Studio:Admin</c>
    /// (<see cref="AdminAccountOptions"/>). Call after <c>AddWorkflowStudio()</c>: its start-up step creates the database folder.
    /// </summary>
    public static IServiceCollection AddStudioAccounts(this IServiceCollection services, string connectionString)
    {
        services.AddOptions<AdminAccountOptions>().BindConfiguration(AdminAccountOptions.SectionName)
            .Validate(o => string.IsNullOrWhiteSpace(o.Email) == string.IsNullOrEmpty(o.Password),
                "Set both Studio:Admin:Email and Studio:Admin:Password, or neither.")
            .ValidateOnStart();
        services.AddDbContext<AccountsDbContext>(o => AccountsDbContext.Configure(o, connectionString));
        services.AddAuthentication(o =>
        {
            o.DefaultScheme = IdentityConstants.ApplicationScheme;
            o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
        }).AddIdentityCookies();
        services.AddIdentityCore<StudioUser>(o => o.User.RequireUniqueEmail = true)
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AccountsDbContext>()
            .AddSignInManager<StudioSignInManager>()
            .AddClaimsPrincipalFactory<StudioClaimsPrincipalFactory>();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/access-denied";
            o.Cookie.Name = ".WorkflowStudio.Auth";
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            // An API client that reaches a studio-only address (say, a mistyped /api route) gets a status, not the sign-in page.
            o.Events.OnRedirectToLogin = context => ApiAwareRedirect(context, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = context => ApiAwareRedirect(context, StatusCodes.Status403Forbidden);
        });
        // A changed password or role, or a disabled account, ends the other sessions within a minute.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));
        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingStudioAuthenticationStateProvider>();
        services.TryAddScoped<StudioAccess>();
        services.TryAddSingleton<StudioAccounts>();
        services.TryAddScoped<UserAdministration>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<AccountsInitializer>();
        return services;
    }

    private static Task ApiAwareRedirect(RedirectContext<CookieAuthenticationOptions> context, int apiStatus)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = apiStatus;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }
        return Task.CompletedTask;
    }
}
