using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Components.Pages.Account;

/// <summary>Signs in with email and password (Identity's lockout: 5 failures lock the account for 5 minutes). While the studio
/// has no account yet, it sends the visitor to the first-start page instead.</summary>
public sealed partial class LoginPage
{
    private string? _error;

    [SupplyParameterFromForm] private CredentialsInput Input { get; set; } = default!;

    [SupplyParameterFromQuery] private string? ReturnUrl { get; set; }

    [Inject] private SignInManager<StudioUser> SignIn { get; set; } = default!;
    [Inject] private StudioAccounts Accounts { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private ILogger<LoginPage> Logger { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
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
