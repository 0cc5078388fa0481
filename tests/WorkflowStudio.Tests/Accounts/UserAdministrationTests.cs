using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Tests.Accounts;

/// <summary>The accounts on SQLite.</summary>
public sealed class UserAdministrationOnSqliteTests() : UserAdministrationTests(DatabaseProvider.Sqlite);

/// <summary>The same accounts tests on PostgreSQL.</summary>
public sealed class UserAdministrationOnPostgreSqlTests() : UserAdministrationTests(DatabaseProvider.PostgreSQL);

public abstract class UserAdministrationTests(DatabaseProvider provider) : IAsyncLifetime
{
    private const string AdminEmail = "admin@studio.test";
    private AccountsHost _host = default!;

    public async Task InitializeAsync()
    {
        _host = await AccountsHost.StartAsync(new Dictionary<string, string?>
        {
            ["Studio:Admin:Email"] = AdminEmail,
            ["Studio:Admin:Password"] = "Admin-Pass-1234",
        }, provider);
        _host.SignInAs(AdminEmail, StudioRoles.Admin);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<UserRow> RowAsync(string email) => (await _host.Administration().ListAsync()).Single(u => u.Email == email);

    [Fact]
    public async Task AddAsync_AsAdmin_CreatesTheUserWithAOneTimePasswordToChange()
    {
        // Act
        var result = await _host.Administration().AddAsync("new@studio.test", StudioRoles.Editor);

        // Assert
        Assert.True(result.Succeeded, string.Join(" ", result.Errors));
        await using var scope = _host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>();
        var user = await users.FindByEmailAsync("new@studio.test");
        Assert.NotNull(user);
        Assert.True(await users.CheckPasswordAsync(user, result.OneTimePassword!));
        Assert.True(user.MustChangePassword);
        Assert.Equal([StudioRoles.Editor], await users.GetRolesAsync(user));
    }

    [Theory]
    [InlineData(StudioRoles.Editor)]
    [InlineData(StudioRoles.Viewer)]
    public async Task AddAsync_AsNonAdmin_IsRefusedAndCreatesNothing(string role)
    {
        // Arrange
        _host.SignInAs("someone@studio.test", role);

        // Act
        var refused = await Assert.ThrowsAsync<StudioAccessDeniedException>(() => _host.Administration().AddAsync("sneaky@studio.test", StudioRoles.Admin));

        // Assert
        Assert.Equal(StudioPermission.Administer, refused.Permission);
        await using var scope = _host.Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>().FindByEmailAsync("sneaky@studio.test"));
    }

    [Fact]
    public async Task Changes_ToTheLastAdministrator_AreRefused()
    {
        // Arrange
        var admin = await RowAsync(AdminEmail);
        var administration = _host.Administration();

        // Act
        var demoted = await administration.ChangeRoleAsync(admin.Id, StudioRoles.Viewer);
        var disabled = await administration.SetDisabledAsync(admin.Id, disabled: true);
        var deleted = await administration.DeleteAsync(admin.Id);

        // Assert
        Assert.Equal(UserAdministration.LastAdministrator, demoted);
        Assert.Equal(UserAdministration.LastAdministrator, disabled);
        Assert.Equal(UserAdministration.LastAdministrator, deleted);
        Assert.Equal(admin, await RowAsync(AdminEmail));
    }

    [Fact]
    public async Task ChangeRoleAsync_AnotherAdministratorExists_DemotesAndRenewsTheSecurityStamp()
    {
        // Arrange
        var administration = _host.Administration();
        Assert.True((await administration.AddAsync("second@studio.test", StudioRoles.Admin)).Succeeded);
        var admin = await RowAsync(AdminEmail);
        await using var scope = _host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>();
        var stampBefore = await users.GetSecurityStampAsync((await users.FindByIdAsync(admin.Id))!);

        // Act
        var problem = await administration.ChangeRoleAsync(admin.Id, StudioRoles.Viewer);

        // Assert
        Assert.Null(problem);
        Assert.Equal(StudioRoles.Viewer, (await RowAsync(AdminEmail)).Role);
        await using var after = _host.Services.CreateAsyncScope();
        var reread = after.ServiceProvider.GetRequiredService<UserManager<StudioUser>>();
        Assert.NotEqual(stampBefore, await reread.GetSecurityStampAsync((await reread.FindByIdAsync(admin.Id))!));
    }

    [Fact]
    public async Task SetDisabledAsync_User_CannotSignInAnyMore()
    {
        // Arrange
        var added = await _host.Administration().AddAsync("leaver@studio.test", StudioRoles.Editor);
        var row = await RowAsync("leaver@studio.test");

        // Act
        var problem = await _host.Administration().SetDisabledAsync(row.Id, disabled: true);

        // Assert
        Assert.Null(problem);
        Assert.True((await RowAsync("leaver@studio.test")).Disabled);
        await using var scope = _host.Services.CreateAsyncScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<StudioUser>>();
        var user = await signIn.UserManager.FindByEmailAsync("leaver@studio.test");
        var result = await signIn.CheckPasswordSignInAsync(user!, added.OneTimePassword!, lockoutOnFailure: false);
        Assert.True(result.IsNotAllowed);
    }

    [Fact]
    public async Task CreateFirstAdministratorAsync_AnAccountExists_CreatesNothing()
    {
        // Arrange
        var accounts = _host.Services.GetRequiredService<StudioAccounts>();

        // Act
        var result = await accounts.CreateFirstAdministratorAsync("intruder@studio.test", "Intruder-Pass-1");

        // Assert
        Assert.Null(result);
        Assert.False(await accounts.NeedsSetupAsync());
        Assert.DoesNotContain(await _host.Administration().ListAsync(), u => u.Email == "intruder@studio.test");
    }

    [Fact]
    public async Task NeedsSetupAsync_NoAccountYet_IsTrueUntilTheFirstAdministratorExists()
    {
        // Arrange
        await using var empty = await AccountsHost.StartAsync(provider: provider);
        var accounts = empty.Services.GetRequiredService<StudioAccounts>();
        var before = await accounts.NeedsSetupAsync();

        // Act
        var created = await accounts.CreateFirstAdministratorAsync("first@studio.test", "First-Pass-1");

        // Assert
        Assert.True(before);
        Assert.True(created!.Succeeded);
        Assert.False(await accounts.NeedsSetupAsync());
    }

    [Fact]
    public async Task StartAsync_ConfiguredPasswordTooWeak_StopsWithTheReason()
    {
        // Act
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => AccountsHost.StartAsync(new Dictionary<string, string?>
        {
            ["Studio:Admin:Email"] = "weak@studio.test",
            ["Studio:Admin:Password"] = "weak",
        }, provider));

        // Assert
        Assert.Contains("Studio:Admin:Email", failure.Message);
        Assert.Contains("Passwords must be at least 6 characters", failure.Message);
    }
}
