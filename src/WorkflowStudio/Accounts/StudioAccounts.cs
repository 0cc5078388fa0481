using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace WorkflowStudio.Accounts;

/// <summary>Whether the studio still needs its first administrator, and creating accounts. Singleton: the "has users" answer is
/// remembered once true (the last administrator cannot be removed, so it never turns false again), and one gate serialises
/// the changes that must see a consistent set of users (first set-up, removing or demoting an administrator).</summary>
public sealed class StudioAccounts(IServiceScopeFactory scopes, ILogger<StudioAccounts> logger)
{
    private volatile bool _hasUsers;

    /// <summary>Held while an account change that depends on the other accounts runs.</summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>True while no account exists: every page leads to the first-start page.</summary>
    public async Task<bool> NeedsSetupAsync(CancellationToken cancellationToken = default)
    {
        if (_hasUsers)
        {
            return false;
        }
        await using var scope = scopes.CreateAsyncScope();
        _hasUsers = await scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>().Users.AnyAsync(cancellationToken);
        return !_hasUsers;
    }

    /// <summary>Creates the first administrator, or returns null when an account exists already (set-up is done, possibly by
    /// another request a moment ago): set-up can never add a second administrator.</summary>
    public async Task<IdentityResult?> CreateFirstAdministratorAsync(string email, string password, CancellationToken cancellationToken = default)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (!await NeedsSetupAsync(cancellationToken))
            {
                return null;
            }
            await using var scope = scopes.CreateAsyncScope();
            var result = await CreateAsync(scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>(), email, password, StudioRoles.Admin, mustChangePassword: false);
            _hasUsers = result.Succeeded;
            if (result.Succeeded)
            {
                Log.AdministratorCreated(logger, email);
            }
            return result;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Creates an account with <paramref name="role"/>; nothing is left behind when the password or the role is refused.</summary>
    internal static async Task<IdentityResult> CreateAsync(UserManager<StudioUser> users, string email, string password, string role, bool mustChangePassword)
    {
        var user = new StudioUser { UserName = email.Trim(), Email = email.Trim(), MustChangePassword = mustChangePassword };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return created;
        }
        var added = await users.AddToRoleAsync(user, role);
        if (!added.Succeeded)
        {
            await users.DeleteAsync(user);
        }
        return added;
    }

    /// <summary>Remembers that accounts exist (after the start-up step created the configured administrator).</summary>
    internal void MarkHasUsers() => _hasUsers = true;
}
