using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace WorkflowStudio.Accounts;

/// <summary>How a single sign-on attempt ended; anything but <see cref="SignedIn"/> is shown on the sign-in page.</summary>
public enum SingleSignOnOutcome
{
    SignedIn,
    /// <summary>The provider's answer could not be read (cancelled, expired, or the callback was opened by hand).</summary>
    Failed,
    /// <summary>The provider sent no email address, which is the studio's user name.</summary>
    NoEmail,
    /// <summary>The provider says the email address is not verified, so it cannot stand for a studio account.</summary>
    EmailNotVerified,
    Disabled,
    LockedOut,
}

/// <summary>
/// Finishes a single sign-on: the provider's answer (held in Identity's external cookie) signs in the studio account linked to
/// it; the first time, the account with the same email is linked, or one is created with the role the provider's
/// <see cref="SingleSignOnOptions.RoleClaim"/> names (Viewer when it names none). Later sign-ins keep the role the Users page
/// gives. A disabled account is refused like at the email form (<see cref="StudioSignInManager"/>). Linking an account that
/// still has an unused one-time password removes that password.
/// </summary>
public sealed class SingleSignOn(SignInManager<StudioUser> signIn, StudioAccounts accounts, IOptions<SingleSignOnOptions> options, ILogger<SingleSignOn> logger)
{
    /// <summary>The sign-in page's message for <paramref name="outcome"/>.</summary>
    public static string Describe(SingleSignOnOutcome outcome) => outcome switch
    {
        SingleSignOnOutcome.NoEmail => "The sign-in provider did not send an email address, which the studio needs. Ask your administrator.",
        SingleSignOnOutcome.EmailNotVerified => "The sign-in provider says your email address is not verified. Verify it there, then try again.",
        SingleSignOnOutcome.Disabled => "This account is disabled. Ask an administrator.",
        SingleSignOnOutcome.LockedOut => "Too many failed attempts: this account is locked for a few minutes. Try again later.",
        _ => "Single sign-on did not complete. Try again, or sign in with your email and password.",
    };

    public async Task<SingleSignOnOutcome> CompleteAsync()
    {
        if (await signIn.GetExternalLoginInfoAsync() is not { } login)
        {
            return SingleSignOnOutcome.Failed;
        }
        var users = signIn.UserManager;
        if (await users.FindByLoginAsync(login.LoginProvider, login.ProviderKey) is null)
        {
            var email = First(login.Principal, ClaimTypes.Email, JwtRegisteredClaimNames.Email)?.Trim();
            if (string.IsNullOrEmpty(email))
            {
                return Refused(login, SingleSignOnOutcome.NoEmail);
            }
            // Linking by email trusts the provider's word for it; a provider that says the address is unverified gets no account.
            if (string.Equals(First(login.Principal, "email_verified"), "false", StringComparison.OrdinalIgnoreCase))
            {
                return Refused(login, SingleSignOnOutcome.EmailNotVerified, email);
            }
            var user = await users.FindByEmailAsync(email);
            if (user is null)
            {
                var role = RoleFrom(login.Principal);
                user = new StudioUser { UserName = email, Email = email, EmailConfirmed = true };
                if (!(await users.CreateAsync(user)).Succeeded)
                {
                    return Refused(login, SingleSignOnOutcome.Failed, email);
                }
                if (!(await users.AddToRoleAsync(user, role)).Succeeded)
                {
                    // No account without a role is left behind.
                    await users.DeleteAsync(user);
                    return Refused(login, SingleSignOnOutcome.Failed, email);
                }
                accounts.MarkHasUsers();
                Log.SingleSignOnAccountCreated(logger, email, role);
            }
            if (!(await users.AddLoginAsync(user, new UserLoginInfo(login.LoginProvider, login.ProviderKey, options.Value.DisplayName))).Succeeded)
            {
                return Refused(login, SingleSignOnOutcome.Failed, email);
            }
            if (user.MustChangePassword)
            {
                // The one-time password an administrator handed out was never used; the provider vouches for this person
                // now, so it goes rather than lingering (and the change-password page would ask for it).
                await users.RemovePasswordAsync(user);
                user.MustChangePassword = false;
                await users.UpdateAsync(user);
            }
        }
        var result = await signIn.ExternalLoginSignInAsync(login.LoginProvider, login.ProviderKey, isPersistent: false, bypassTwoFactor: true);
        return result switch
        {
            { Succeeded: true } => SingleSignOnOutcome.SignedIn,
            { IsNotAllowed: true } => Refused(login, SingleSignOnOutcome.Disabled),
            { IsLockedOut: true } => Refused(login, SingleSignOnOutcome.LockedOut),
            _ => Refused(login, SingleSignOnOutcome.Failed),
        };
    }

    /// <summary>The studio role the provider's role claim names, or Viewer. The claim is looked up under its name in the token
    /// and under the name the token handler maps it to (<c>role</c> arrives as <see cref="ClaimTypes.Role"/>).</summary>
    private string RoleFrom(ClaimsPrincipal principal)
    {
        var claim = options.Value.RoleClaim;
        var mapped = JsonWebTokenHandler.DefaultInboundClaimTypeMap.TryGetValue(claim, out var m) ? m : claim;
        var values = principal.Claims.Where(c => c.Type == claim || c.Type == mapped).Select(c => c.Value);
        // The most powerful role named wins when the provider sends several.
        return StudioRoles.All.FirstOrDefault(role => values.Contains(role, StringComparer.OrdinalIgnoreCase)) ?? StudioRoles.Viewer;
    }

    private static string? First(ClaimsPrincipal principal, params string[] types) =>
        types.Select(principal.FindFirstValue).FirstOrDefault(v => !string.IsNullOrEmpty(v));

    private SingleSignOnOutcome Refused(ExternalLoginInfo login, SingleSignOnOutcome outcome, string? email = null)
    {
        Log.SignInRefused(logger, email ?? First(login.Principal, ClaimTypes.Email, JwtRegisteredClaimNames.Email) ?? login.ProviderKey,
            $"single sign-on: {outcome}");
        return outcome;
    }
}
