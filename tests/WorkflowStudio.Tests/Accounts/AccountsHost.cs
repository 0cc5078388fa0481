using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Accounts;

/// <summary>The studio's accounts (Identity on a fresh test database of either provider, migrated and with its roles, as at
/// start) with whoever <see cref="SignInAs"/> names as the signed-in user.</summary>
public sealed class AccountsHost : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private readonly ServiceProvider _services;
    private ClaimsPrincipal _user = new(new ClaimsIdentity());

    private AccountsHost(TestDatabase database, IReadOnlyDictionary<string, string?>? settings)
    {
        _database = database;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build());
        services.AddStudioPersistence(database.Settings);
        services.AddStudioAccounts(database.Settings);
        services.AddScoped<AuthenticationStateProvider>(_ => new FixedAuthenticationStateProvider(() => _user));
        _services = services.BuildServiceProvider();
    }

    public IServiceProvider Services => _services;

    public static async Task<AccountsHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, DatabaseProvider provider = DatabaseProvider.Sqlite)
    {
        var host = new AccountsHost(await TestDatabase.CreateAsync(provider), settings);
        try
        {
            foreach (var hosted in host._services.GetServices<IHostedService>())
            {
                await hosted.StartAsync(CancellationToken.None);
            }
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>From now on the signed-in user is <paramref name="email"/> with <paramref name="role"/>.</summary>
    public void SignInAs(string email, string role) =>
        _user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, email), new Claim(ClaimTypes.Role, role)], "test"));

    /// <summary>A fresh scope's <see cref="UserAdministration"/>, acting as the current <see cref="SignInAs"/> user.</summary>
    public UserAdministration Administration() => _services.CreateScope().ServiceProvider.GetRequiredService<UserAdministration>();

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    private sealed class FixedAuthenticationStateProvider(Func<ClaimsPrincipal> user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user()));
    }
}
