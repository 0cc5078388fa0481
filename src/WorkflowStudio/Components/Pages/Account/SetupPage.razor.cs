using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Components.Pages.Account;

/// <summary>First start: creates the administrator and signs them in. Once any account exists this page only sends visitors
/// to sign in, and a form posted to it creates nothing (<see cref="StudioAccounts.CreateFirstAdministratorAsync"/>).</summary>
public sealed partial class SetupPage
{
    private List<string> _errors = [];

    [SupplyParameterFromForm] private CredentialsInput Input { get; set; } = default!;

    [Inject] private SignInManager<StudioUser> SignIn { get; set; } = default!;
    [Inject] private StudioAccounts Accounts { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        if (!await Accounts.NeedsSetupAsync())
        {
            Navigation.NavigateTo("/account/login");
        }
    }

    private async Task CreateAsync()
    {
        var result = await Accounts.CreateFirstAdministratorAsync(Input.Email, Input.Password);
        if (result is null)
        {
            Navigation.NavigateTo("/account/login");
            return;
        }
        if (!result.Succeeded)
        {
            _errors = [.. result.Errors.Select(e => e.Description)];
            Input.Password = "";
            return;
        }
        if (await SignIn.UserManager.FindByNameAsync(Input.Email.Trim()) is { } user)
        {
            await SignIn.SignInAsync(user, isPersistent: false);
        }
        Navigation.NavigateTo("/");
    }
}
