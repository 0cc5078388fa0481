using Microsoft.AspNetCore.DataProtection.KeyManagement.Internal;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Accounts;

/// <summary>Runs first of the start-up steps, before the server accepts requests: applies the accounts migrations, imports a key
/// ring left in a folder by an older studio (<see cref="LegacyKeyRingImport"/>), loads the Data Protection key ring (making its
/// first key on a new database), makes sure the three roles exist, and creates the administrator from <c>Studio:Admin</c>
/// when it is configured and no account has that email. A configured password that Identity refuses stops the start with
/// the reasons, rather than leaving a studio nobody can sign in to. All of it under the database's start-up lock, so instances
/// starting at once on one PostgreSQL database do not create a role, the administrator or a first key twice.</summary>
internal sealed class AccountsInitializer(
    IServiceScopeFactory scopes, IDbContextFactory<StudioDbContext> dbFactory, StudioAccounts accounts, IOptions<AdminAccountOptions> admin,
    LegacyKeyRingImport legacyKeyRing, IKeyRingProvider keyRing, ILogger<AccountsInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var startLock = await StudioDatabase.LockForStartAsync(dbFactory, cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<AccountsDbContext>();
        await StudioDatabase.MigrateAsync(db, cancellationToken);
        await legacyKeyRing.ImportAsync(db, cancellationToken);
        // What Data Protection's own start-up step does, but here: after the migration that creates the ring's table, and
        // under the lock, so that instances starting at once on a new database all use the one first key the first of them
        // made, instead of each making its own and, once Data Protection's two-minute window for re-reading the ring on an
        // unknown key has passed, refusing each other's cookies until their next daily refresh.
        keyRing.GetCurrentKeyRing();
        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in StudioRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"The role {role} could not be created");
            }
        }
        if (admin.Value is { IsSet: true, Email: { } email, Password: { } password })
        {
            var users = services.GetRequiredService<UserManager<StudioUser>>();
            if (await users.FindByEmailAsync(email) is null)
            {
                Check(await StudioAccounts.CreateAsync(users, email, password, StudioRoles.Admin, mustChangePassword: false),
                    $"The administrator from {AdminAccountOptions.SectionName}:Email could not be created");
                Log.AdministratorCreated(logger, email);
            }
            accounts.MarkHasUsers();
        }
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
