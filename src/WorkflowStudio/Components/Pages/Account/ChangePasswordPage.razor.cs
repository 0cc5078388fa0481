using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Components.Pages.Account;

/// <summary>Changes the signed-in user's password (Identity's rules), renews their cookie, and so signs out their other
/// sessions (the security stamp changes).</summary>
public sealed partial class ChangePasswordPage
{
    private List<string> _errors = [];
    private bool _changed;
    private bool _mustChange;
    private string? _email;

    [CascadingParameter] private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm] private ChangePasswordInput Input { get; set; } = default!;

    [SupplyParameterFromQuery] private string? ReturnUrl { get; set; }

    [Inject] private SignInManager<StudioUser> SignIn { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        var user = await SignIn.UserManager.GetUserAsync(HttpContext.User);
        if (user is null)
        {
            Navigation.NavigateTo("/account/login");
            return;
        }
        _email = user.Email;
        _mustChange = user.MustChangePassword;
    }

    private async Task ChangeAsync()
    {
        if (await SignIn.UserManager.GetUserAsync(HttpContext.User) is not { } user)
        {
            Navigation.NavigateTo("/account/login");
            return;
        }
        var result = await SignIn.UserManager.ChangePasswordAsync(user, Input.CurrentPassword, Input.NewPassword);
        if (!result.Succeeded)
        {
            _errors = [.. result.Errors.Select(e => e.Description)];
            return;
        }
        if (user.MustChangePassword)
        {
            user.MustChangePassword = false;
            await SignIn.UserManager.UpdateAsync(user);
        }
        await SignIn.RefreshSignInAsync(user);
        if (_mustChange)
        {
            Navigation.NavigateTo(AccountRedirects.LocalOrHome(ReturnUrl));
            return;
        }
        _changed = true;
    }
}
