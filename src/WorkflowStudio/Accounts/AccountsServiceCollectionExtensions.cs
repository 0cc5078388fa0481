using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;

namespace Microsoft.Extensions.DependencyInjection;

public static class AccountsServiceCollectionExtensions
{
    /// <summary>
    /// Studio accounts: ASP.NET Core Identity (users and the Admin, Editor and Viewer roles) in the studio's database (<paramref name="database"/>), cookie
    /// sign-in, and a fallback policy that makes every endpoint need a signed-in user unless it allows anonymous access itself
    /// (the sign-in pages, static assets, health and the HTTP API, which checks its own keys). Password rules and lockout are
    /// Identity's defaults (5 failures lock an account for 5 minutes). The administrator can come from <c>Studio:Admin</c>
    /// (<see cref="AdminAccountOptions"/>). With <paramref name="configuration"/> naming an OpenID Connect provider
    /// (<see cref="SingleSignOnOptions"/>), people can also sign in through it.
    /// The ASP.NET Data Protection key ring (which encrypts the sign-in cookies and model providers' keys) is stored in the same
    /// database, so every instance sharing the database reads what another protected; a ring that older studios kept in
    /// <c>keys</c> under <paramref name="dataFolder"/> (<see cref="StudioDatabaseSettings.DataFolder"/>) is imported into it once.
    /// The start-up step (migrations, that import, loading the ring, roles, administrator) runs before every other one, since
    /// Data Protection and the studio's own start-up step read the ring.
    /// </summary>
    public static IServiceCollection AddStudioAccounts(this IServiceCollection services, StudioDatabaseSettings database, IConfiguration? configuration = null,
        string? dataFolder = null)
    {
        services.AddOptions<AdminAccountOptions>().BindConfiguration(AdminAccountOptions.SectionName)
            .Validate(o => string.IsNullOrWhiteSpace(o.Email) == string.IsNullOrEmpty(o.Password),
                "Set both Studio:Admin:Email and Studio:Admin:Password, or neither.")
            .ValidateOnStart();
        services.AddAccountsDatabase(database);
        services.AddDataProtection().PersistKeysToDbContext<AccountsDbContext>();
        services.TryAddSingleton(sp => new LegacyKeyRingImport(
            dataFolder is null ? null : Path.Combine(dataFolder, "keys"), sp.GetRequiredService<ILogger<LegacyKeyRingImport>>()));
        var authentication = services.AddAuthentication(o =>
        {
            o.DefaultScheme = IdentityConstants.ApplicationScheme;
            o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
        });
        authentication.AddIdentityCookies();
        services.AddOptions<SingleSignOnOptions>().BindConfiguration(SingleSignOnOptions.SectionName);
        // The scheme exists only when configured: an OpenID Connect handler without a provider would fail every request.
        if (configuration?.GetSection(SingleSignOnOptions.SectionName).Get<SingleSignOnOptions>() is { IsConfigured: true } sso)
        {
            authentication.AddOpenIdConnect(SingleSignOnOptions.Scheme, sso.DisplayName, o => ConfigureOpenIdConnect(o, sso));
        }
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
        services.TryAddScoped<SingleSignOn>();
        services.TryAddSingleton(TimeProvider.System);
        // First of all hosted services (they start in order): Data Protection's own preloads the key ring, and the studio's
        // decrypts model providers' keys, both of which need the ring's table migrated and an older ring imported.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, AccountsInitializer>());
        return services;
    }

    /// <summary>The accounts' <see cref="AccountsDbContext"/> on <paramref name="database"/>, scoped; on PostgreSQL it is
    /// <see cref="PostgreSqlAccountsDbContext"/>, whose migrations are PostgreSQL's.</summary>
    public static IServiceCollection AddAccountsDatabase(this IServiceCollection services, StudioDatabaseSettings database)
    {
        if (database.Provider == DatabaseProvider.PostgreSQL)
        {
            services.AddDbContext<AccountsDbContext, PostgreSqlAccountsDbContext>(o => AccountsDbContext.Configure(o, database));
        }
        else
        {
            services.AddDbContext<AccountsDbContext>(o => AccountsDbContext.Configure(o, database));
        }
        return services;
    }

    /// <summary>Authorization code flow with PKCE; the provider's answer comes back as a query (a top-level GET, so the
    /// correlation cookies, SameSite=Lax, are sent with it even on plain HTTP), is held in Identity's external cookie, and
    /// <see cref="SingleSignOn"/> turns it into a studio sign-in at <c>/account/external-callback</c>.</summary>
    private static void ConfigureOpenIdConnect(OpenIdConnectOptions o, SingleSignOnOptions sso)
    {
        o.Authority = sso.Authority;
        o.ClientId = sso.ClientId;
        o.ClientSecret = sso.ClientSecret;
        o.RequireHttpsMetadata = sso.RequireHttpsMetadata;
        o.CallbackPath = SingleSignOnOptions.CallbackPath;
        o.SignInScheme = IdentityConstants.ExternalScheme;
        o.ResponseType = OpenIdConnectResponseType.Code;
        o.ResponseMode = OpenIdConnectResponseMode.Query;
        o.UsePkce = true;
        o.Scope.Clear();
        foreach (var scope in new[] { "openid", "profile", "email" })
        {
            o.Scope.Add(scope);
        }
        o.CorrelationCookie.SameSite = SameSiteMode.Lax;
        o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.NonceCookie.SameSite = SameSiteMode.Lax;
        o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        // Cancelled at the provider, or a stale or forged answer: back to the sign-in page with a message, not an error page.
        o.Events.OnRemoteFailure = context =>
        {
            context.Response.Redirect($"/account/login?sso={SingleSignOnOutcome.Failed}");
            context.HandleResponse();
            return Task.CompletedTask;
        };
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
