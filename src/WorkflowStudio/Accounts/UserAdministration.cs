using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace WorkflowStudio.Accounts;

/// <summary>One row of the Users page.</summary>
public sealed record UserRow(string Id, string Email, string Role, bool Disabled, bool LockedOut, bool MustChangePassword);

/// <summary>A new account and the one-time password to hand over, or why it was not created.</summary>
public sealed record AddUserResult(string? OneTimePassword, IReadOnlyList<string> Errors)
{
    public bool Succeeded => OneTimePassword is not null;
}

/// <summary>
/// The Users page's actions, for administrators only (checked here, whatever the page shows). Each action uses a fresh
/// Identity scope, so a circuit that stays open for hours never works on stale users. The last enabled administrator can be
/// neither deleted, disabled nor given another role; changes that depend on the other accounts run one at a time
/// (<see cref="StudioAccounts.Gate"/>). Role changes, disabling and deleting renew the user's security stamp, which ends
/// their open sessions within a minute.
/// </summary>
public sealed class UserAdministration(StudioAccess access, StudioAccounts accounts, IServiceScopeFactory scopes, TimeProvider time, ILogger<UserAdministration> logger)
{
    public const string LastAdministrator = "The studio needs at least one administrator who can sign in: add or enable another administrator first.";

    public async Task<IReadOnlyList<UserRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        await access.DemandAsync(StudioPermission.Administer);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AccountsDbContext>();
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id select new { ur.UserId, r.Name })
            .ToDictionaryAsync(x => x.UserId, x => x.Name ?? "", cancellationToken);
        var users = await db.Users.AsNoTracking().ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        return [.. users.OrderBy(u => u.Email, StringComparer.OrdinalIgnoreCase).Select(u => new UserRow(
            u.Id, u.Email ?? u.UserName ?? "", roles.GetValueOrDefault(u.Id, ""), u.Disabled, u.LockoutEnd > now, u.MustChangePassword))];
    }

    /// <summary>Adds an account with <paramref name="role"/> and a generated one-time password, shown once to the administrator;
    /// the user chooses their own at first sign-in.</summary>
    public async Task<AddUserResult> AddAsync(string email, string role, CancellationToken cancellationToken = default)
    {
        await access.DemandAsync(StudioPermission.Administer);
        if (!StudioRoles.All.Contains(role))
        {
            return new AddUserResult(null, [$"Unknown role '{role}'."]);
        }
        var password = NewOneTimePassword();
        await using var scope = scopes.CreateAsyncScope();
        var result = await StudioAccounts.CreateAsync(Users(scope), email, password, role, mustChangePassword: true);
        if (!result.Succeeded)
        {
            return new AddUserResult(null, [.. result.Errors.Select(e => e.Description)]);
        }
        Log.UserAdded(logger, email, role, await ActorAsync());
        return new AddUserResult(password, []);
    }

    /// <summary>Null when done, otherwise why not.</summary>
    public Task<string?> ChangeRoleAsync(string userId, string role, CancellationToken cancellationToken = default) =>
        ChangeAsync(userId, $"role {role}", async (users, user, current) =>
        {
            if (!StudioRoles.All.Contains(role))
            {
                return $"Unknown role '{role}'.";
            }
            if (current == role)
            {
                return null;
            }
            if (current is { } old && !(await users.RemoveFromRoleAsync(user, old)).Succeeded)
            {
                return "The old role could not be removed.";
            }
            return Describe(await users.AddToRoleAsync(user, role));
        }, removesAdministrator: role != StudioRoles.Admin, cancellationToken);

    public Task<string?> SetDisabledAsync(string userId, bool disabled, CancellationToken cancellationToken = default) =>
        ChangeAsync(userId, disabled ? "disabled" : "enabled", async (users, user, _) =>
        {
            user.Disabled = disabled;
            return Describe(await users.UpdateAsync(user));
        }, removesAdministrator: disabled, cancellationToken);

    public Task<string?> DeleteAsync(string userId, CancellationToken cancellationToken = default) =>
        ChangeAsync(userId, "deleted", async (users, user, _) => Describe(await users.DeleteAsync(user)), removesAdministrator: true, cancellationToken);

    private async Task<string?> ChangeAsync(string userId, string change, Func<UserManager<StudioUser>, StudioUser, string?, Task<string?>> apply,
        bool removesAdministrator, CancellationToken cancellationToken)
    {
        await access.DemandAsync(StudioPermission.Administer);
        await accounts.Gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var users = Users(scope);
            if (await users.FindByIdAsync(userId) is not { } user)
            {
                return "This user no longer exists.";
            }
            var current = (await users.GetRolesAsync(user)).FirstOrDefault();
            if (removesAdministrator && current == StudioRoles.Admin && !user.Disabled
                && (await users.GetUsersInRoleAsync(StudioRoles.Admin)).Count(a => !a.Disabled) <= 1)
            {
                return LastAdministrator;
            }
            if (await apply(users, user, current) is { } problem)
            {
                return problem;
            }
            if (change != "deleted")
            {
                // Ends the user's open sessions (cookie and circuits) at their next check.
                await users.UpdateSecurityStampAsync(user);
            }
            Log.UserChanged(logger, user.Email ?? userId, change, await ActorAsync());
            return null;
        }
        finally
        {
            accounts.Gate.Release();
        }
    }

    private static UserManager<StudioUser> Users(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>();

    private static string? Describe(IdentityResult result) => result.Succeeded ? null : string.Join(" ", result.Errors.Select(e => e.Description));

    private async Task<string> ActorAsync() => await access.ActorAsync() ?? "?";

    /// <summary>16 random characters with at least one of each kind Identity's default rules ask for.</summary>
    internal static string NewOneTimePassword()
    {
        const string lower = "abcdefghijkmnopqrstuvwxyz", upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", digits = "23456789", symbols = "-_!#%+=?";
        const string all = lower + upper + digits + symbols;
        var chars = new List<char>
        {
            lower[RandomNumberGenerator.GetInt32(lower.Length)],
            upper[RandomNumberGenerator.GetInt32(upper.Length)],
            digits[RandomNumberGenerator.GetInt32(digits.Length)],
            symbols[RandomNumberGenerator.GetInt32(symbols.Length)],
        };
        while (chars.Count < 16)
        {
            chars.Add(all[RandomNumberGenerator.GetInt32(all.Length)]);
        }
        return new string([.. chars.OrderBy(_ => RandomNumberGenerator.GetInt32(int.MaxValue))]);
    }
}
