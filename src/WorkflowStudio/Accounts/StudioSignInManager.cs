using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace WorkflowStudio.Accounts;

/// <summary>Identity's sign-in manager, plus: a disabled account cannot sign in (the result is <c>NotAllowed</c>).</summary>
internal sealed class StudioSignInManager(
    UserManager<StudioUser> userManager, IHttpContextAccessor contextAccessor, IUserClaimsPrincipalFactory<StudioUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor, ILogger<SignInManager<StudioUser>> logger, IAuthenticationSchemeProvider schemes,
    IUserConfirmation<StudioUser> confirmation)
    : SignInManager<StudioUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(StudioUser user) => !user.Disabled && await base.CanSignInAsync(user);
}
