using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Components.Pages.Account;

/// <summary>Signs in with email and password (Identity's lockout: 5 failures lock the account for 5 minutes). While the studio
/// has no account yet, it sends the visitor to the first-start page instead.</summary>
public sealed partial class LoginPage
{
    private string? _error;

    [SupplyParameterFromForm] private CredentialsInput Input { get; set; } = default!;

    [SupplyParameterFromQuery] private string? ReturnUrl { get; set; }

    /// <summary>How a single sign-on that came back here ended (<see cref="SingleSignOnOutcome"/>).</summary>
    [SupplyParameterFromQuery(Name = "sso")] private string? SingleSignOnResult { get; set; }

    [Inject] private IOptions<SingleSignOnOptions> SingleSignOnOptions { get; set; } = default!;

    [Inject] private SignInManager<StudioUser> SignIn { get; set; } = default!;
    [Inject] private StudioAccounts Accounts { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private ILogger<LoginPage> Logger { get; set; } = default!;

    /// <summary>The provider's name for the "Sign in with …" link, or null when single sign-on is not configured.</summary>
    private string? SingleSignOnName => SingleSignOnOptions.Value is { IsConfigured: true } sso ? sso.DisplayName : null;

    private string SingleSignOnHref => $"{AccountEndpoints.ExternalLoginPath.TrimStart('/')}?returnUrl={Uri.EscapeDataString(AccountRedirects.LocalOrHome(ReturnUrl))}";

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        if (Enum.TryParse<SingleSignOnOutcome>(SingleSignOnResult, ignoreCase: true, out var outcome) && outcome != SingleSignOnOutcome.SignedIn)
        {
            _error = SingleSignOn.Describe(outcome);
        }
        if (await Accounts.NeedsSetupAsync())
        {
            Navigation.NavigateTo("/account/setup");
        }
    }

    private async Task SignInAsync()
    {
        var result = await SignIn.PasswordSignInAsync(Input.Email.Trim(), Input.Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            var user = await SignIn.UserManager.FindByNameAsync(Input.Email.Trim());
            var target = AccountRedirects.LocalOrHome(ReturnUrl);
            Navigation.NavigateTo(user?.MustChangePassword == true ? $"/account/password?ReturnUrl={Uri.EscapeDataString(target)}" : target);
            return;
        }
        (_error, var reason) = result switch
        {
            { IsLockedOut: true } => ("Too many failed attempts: this account is locked for a few minutes. Try again later.", "locked out"),
            { IsNotAllowed: true } => ("This account is disabled. Ask an administrator.", "disabled"),
            _ => ("Wrong email or password.", "wrong email or password"),
        };
        Log.SignInRefused(Logger, Input.Email, reason);
        Input.Password = "";
    }
}
