using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace WorkflowStudio.Accounts;

/// <summary>Identity's claims (name, roles, security stamp) plus a mark while the user still has a one-time password, so every
/// page request can send them to change it without asking the database (<see cref="OneTimePasswordGate"/>).</summary>
internal sealed class StudioClaimsPrincipalFactory(UserManager<StudioUser> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<StudioUser, IdentityRole>(users, roles, options)
{
    public const string MustChangePasswordClaim = "studio:must-change-password";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(StudioUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (user.MustChangePassword)
        {
            identity.AddClaim(new Claim(MustChangePasswordClaim, "true"));
        }
        return identity;
    }
}
