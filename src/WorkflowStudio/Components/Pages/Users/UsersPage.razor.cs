using Microsoft.AspNetCore.Components;
using MudBlazor;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Components.Pages.Users;

/// <summary>Administrators add users (with a one-time password shown once), change their role, disable and delete them.
/// The rules (administrators only, never the last administrator) live in <see cref="UserAdministration"/>.</summary>
public sealed partial class UsersPage
{
    private IReadOnlyList<UserRow>? _users;
    private string _newEmail = "";
    private string _newRole = StudioRoles.Editor;
    private (string Email, string Password)? _added;
    private bool _busy;

    [Inject] private UserAdministration Administration { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    protected override async Task OnInitializedAsync() => await ReloadAsync();

    private async Task ReloadAsync() => _users = await Administration.ListAsync();

    private Task AddAsync() => RunAsync(async () =>
    {
        var email = _newEmail.Trim();
        var result = await Administration.AddAsync(email, _newRole);
        if (!result.Succeeded)
        {
            Snackbar.Add(string.Join(" ", result.Errors), Severity.Error);
            return;
        }
        _added = (email, result.OneTimePassword!);
        _newEmail = "";
    });

    private Task ChangeRoleAsync(UserRow user, string role) =>
        RunAsync(async () => Report(await Administration.ChangeRoleAsync(user.Id, role), $"{user.Email} is now {(role == StudioRoles.Admin ? "an" : "a")} {role}."));

    private Task SetDisabledAsync(UserRow user, bool disabled) =>
        RunAsync(async () => Report(await Administration.SetDisabledAsync(user.Id, disabled), disabled ? $"{user.Email} can no longer sign in." : $"{user.Email} can sign in again."));

    private async Task DeleteAsync(UserRow user)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete this user?", $"{user.Email} will no longer be able to sign in. This cannot be undone.",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed == true)
        {
            await RunAsync(async () => Report(await Administration.DeleteAsync(user.Id), $"Deleted {user.Email}."));
        }
    }

    private void Report(string? problem, string success) =>
        Snackbar.Add(problem ?? success, problem is null ? Severity.Success : Severity.Warning);

    private async Task RunAsync(Func<Task> action)
    {
        _busy = true;
        try
        {
            await action();
            await ReloadAsync();
        }
        finally
        {
            _busy = false;
        }
    }
}
