using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.KeyManagement.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;
using WorkflowStudio.Providers;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Accounts;

/// <summary>The Data Protection key ring in the studio's database: studio instances sharing a database (real servers, SQLite
/// file or PostgreSQL) read each other's provider keys and sign-in cookies, and a ring an older studio kept in a folder is
/// imported once.</summary>
public sealed partial class KeyRingTests
{
    private const string AdminEmail = "admin@keyring.test";
    private const string AdminPassword = "Key-ring-passw0rd";
    private const string AuthCookie = ".WorkflowStudio.Auth";
    private const int KeyRingImportedEventId = 1034;

    [Theory, BothDatabases]
    public async Task TwoStudios_OneDatabase_ProviderKeySavedOnAIsReadOnBAndACookieFromAIsAcceptedByB(DatabaseProvider provider)
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var a = await StudioServer.StartAsync(Settings(database, withAdmin: true));
        await using var b = await StudioServer.StartAsync(Settings(database, withAdmin: false));

        // Act
        var saved = await a.Services.GetRequiredService<ModelProviderStore>()
            .CreateAsync(new ModelProviderInput("Shared", "https://llm.example.com/v1", null, "sk-shared-0123456789"));
        var onB = b.Services.GetRequiredService<ModelProviderStore>();
        var listedOnB = Assert.Single(await onB.ListAsync(), p => p.Id == saved.Provider!.Id);
        var cookie = await SignInAsync(a);
        using var withCookie = await GetHomeAsync(b, cookie);
        using var withoutCookie = await GetHomeAsync(b, cookie: null);

        // Assert
        Assert.False(listedOnB.KeyUnreadable);
        Assert.Equal("sk-shared-0123456789", onB.Find(saved.Provider!.Id)!.ApiKey);
        Assert.Equal(HttpStatusCode.OK, withCookie.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, withoutCookie.StatusCode);
        Assert.Contains("/account/login", withoutCookie.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, await KeyCountAsync(a));
        Assert.Empty(a.Problems);
        Assert.Empty(b.Problems);
    }

    [Theory, BothDatabases]
    public async Task TwoStudios_KeyMadeOnBAfterAStarted_AReReadsTheRingAndAcceptsBsCookie(DatabaseProvider provider)
    {
        // Arrange: both share the first key; then B makes a newer one (as at a key rotation), which A has not read.
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var a = await StudioServer.StartAsync(Settings(database, withAdmin: true));
        await using var b = await StudioServer.StartAsync(Settings(database, withAdmin: false));
        var ringOfA = a.Services.GetRequiredService<IKeyRingProvider>();
        var first = ringOfA.GetCurrentKeyRing().DefaultKeyId;
        var newer = b.Services.GetRequiredService<IKeyManager>().CreateNewKey(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(90));
        var knownToABefore = ringOfA.GetCurrentKeyRing().GetAuthenticatedEncryptorByKeyId(newer.KeyId, out _) is not null;

        // Act: B's cookie is protected with its newer key, unknown to A's cached ring.
        var cookie = await SignInAsync(b);
        using var onA = await GetHomeAsync(a, cookie);

        // Assert: Data Protection re-reads the ring when it meets an unknown key id (within two minutes of start), so A accepts it.
        Assert.Equal(newer.KeyId, b.Services.GetRequiredService<IKeyRingProvider>().GetCurrentKeyRing().DefaultKeyId);
        Assert.NotEqual(first, newer.KeyId);
        Assert.False(knownToABefore);
        Assert.Equal(HttpStatusCode.OK, onA.StatusCode);
        Assert.NotNull(ringOfA.GetCurrentKeyRing().GetAuthenticatedEncryptorByKeyId(newer.KeyId, out _));
        Assert.Equal(2, await KeyCountAsync(a));
    }

    [Fact]
    public async Task TwoStudios_StartAtOnceOnAnEmptyPostgreSqlDatabase_MakeOneFirstKeyAndAcceptEachOthersCookies()
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSQL);

        // Act
        var started = await Task.WhenAll(
            StudioServer.StartAsync(Settings(database, withAdmin: true)), StudioServer.StartAsync(Settings(database, withAdmin: true)));
        await using var a = started[0];
        await using var b = started[1];
        var fromA = await SignInAsync(a);
        var fromB = await SignInAsync(b);
        using var aOnB = await GetHomeAsync(b, fromA);
        using var bOnA = await GetHomeAsync(a, fromB);

        // Assert: the first key is made under the start-up lock, so the second instance found and used it.
        Assert.Equal(1, await KeyCountAsync(a));
        Assert.Equal(HttpStatusCode.OK, aOnB.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bOnA.StatusCode);
        Assert.Empty(a.Problems);
        Assert.Empty(b.Problems);
    }

    [Fact]
    public async Task Studio_UpgradedWithItsKeyRingInTheFolderBesideTheSqliteFile_ImportsItOnceAndStillReadsTheProviderKey()
    {
        // Arrange: an older studio's data: a provider whose key is encrypted with the ring kept in "keys" beside the file.
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var keysFolder = Path.Combine(database.Settings.DataFolder("")!, "keys");
        var providerId = await SaveProviderWithFolderRingAsync(database, keysFolder, "sk-before-upgrade-0123");
        var files = Directory.GetFiles(keysFolder, "*.xml").Length;

        // Act
        int imported;
        await using (var upgraded = await StudioServer.StartAsync(Settings(database, withAdmin: false)))
        {
            // Assert: the key still decrypts, the ring's files are rows now, and the import was logged.
            Assert.Equal("sk-before-upgrade-0123", upgraded.Services.GetRequiredService<ModelProviderStore>().Find(providerId)?.ApiKey);
            Assert.Equal(files, await KeyCountAsync(upgraded));
            imported = upgraded.Logs.Count(l => l.EventId.Id == KeyRingImportedEventId);
            Assert.Empty(upgraded.Problems);
        }
        Directory.Delete(keysFolder, recursive: true);
        await using var restarted = await StudioServer.StartAsync(Settings(database, withAdmin: false));

        // Assert: without the folder the next start reads the ring from the database, and imports nothing.
        Assert.Equal(1, imported);
        Assert.Equal("sk-before-upgrade-0123", restarted.Services.GetRequiredService<ModelProviderStore>().Find(providerId)?.ApiKey);
        Assert.DoesNotContain(restarted.Logs, l => l.EventId.Id == KeyRingImportedEventId);
        Assert.Empty(restarted.Problems);
    }

    [Theory, BothDatabases]
    public async Task AccountsStart_FolderRingAndEmptyDatabase_ImportsTheFilesOnceAndNotIntoARingThatHasKeys(DatabaseProvider provider)
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(provider);
        var dataFolder = Directory.CreateTempSubdirectory("keyring-legacy-").FullName;
        try
        {
            var keysFolder = Path.Combine(dataFolder, "keys");
            var providerId = await SaveProviderWithFolderRingAsync(database, keysFolder, "sk-legacy-0123456789");
            var files = Directory.GetFiles(keysFolder, "*.xml").Length;

            // Act: the studio's start-up (the accounts step first), twice, with a new file in the folder before the second.
            var first = await StartUpgradedAsync(database, dataFolder);
            await MakeKeyInFolderAsync(keysFolder);
            var second = await StartUpgradedAsync(database, dataFolder);

            // Assert
            Assert.Equal("sk-legacy-0123456789", first.Key(providerId));
            Assert.Equal(files, first.Rows);
            Assert.Equal(files, second.Rows);
            Assert.Equal("sk-legacy-0123456789", second.Key(providerId));
        }
        finally
        {
            Directory.Delete(dataFolder, recursive: true);
        }
    }

    [Fact]
    public async Task AccountsStart_KeyRingFileNotXml_RefusesToStartNamingTheFile()
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var dataFolder = Directory.CreateTempSubdirectory("keyring-legacy-").FullName;
        try
        {
            var broken = Path.Combine(Directory.CreateDirectory(Path.Combine(dataFolder, "keys")).FullName, "key-broken.xml");
            await File.WriteAllTextAsync(broken, "<key id=");

            // Act
            var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => StartUpgradedAsync(database, dataFolder));

            // Assert
            Assert.Contains(broken, failed.Message, StringComparison.Ordinal);
            Assert.Contains("is not valid XML", failed.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataFolder, recursive: true);
        }
    }

    private static Dictionary<string, string?> Settings(TestDatabase database, bool withAdmin)
    {
        var settings = new Dictionary<string, string?>(database.Configuration) { ["Studio:WarmUp"] = "false" };
        if (withAdmin)
        {
            settings["Studio:Admin:Email"] = AdminEmail;
            settings["Studio:Admin:Password"] = AdminPassword;
        }
        return settings;
    }

    /// <summary>Signs in through the real sign-in form (its antiforgery token and cookie included) and returns the sign-in cookie.</summary>
    private static async Task<string> SignInAsync(StudioServer studio)
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies };
        using var client = new HttpClient(handler) { BaseAddress = studio.BaseAddress };
        var form = await client.GetStringAsync("account/login");
        var token = AntiforgeryToken().Match(form);
        Assert.True(token.Success, "The sign-in page has no antiforgery token.");
        using var posted = await client.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["Input.Email"] = AdminEmail,
            ["Input.Password"] = AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var signIn = cookies.GetCookies(studio.BaseAddress).Where(c => c.Name.StartsWith(AuthCookie, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(signIn);
        return string.Join("; ", signIn.Select(c => $"{c.Name}={c.Value}"));
    }

    /// <summary>The workflows page, which needs a signed-in user, without following a redirect to the sign-in page.</summary>
    private static async Task<HttpResponseMessage> GetHomeAsync(StudioServer studio, string? cookie)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = studio.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "");
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }
        return await client.SendAsync(request);
    }

    private static async Task<int> KeyCountAsync(StudioServer studio)
    {
        await using var scope = studio.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AccountsDbContext>().DataProtectionKeys.CountAsync();
    }

    /// <summary>What a studio before the ring moved into the database did: migrate, and save a provider whose key is encrypted
    /// with a ring kept in <paramref name="keysFolder"/> (the same application name, so the same keys read it).</summary>
    private static async Task<string> SaveProviderWithFolderRingAsync(TestDatabase database, string keysFolder, string key)
    {
        await using var host = OlderStudio(database, keysFolder);
        await using (var db = await host.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync())
        {
            await StudioDatabase.MigrateAsync(db);
        }
        var store = host.GetRequiredService<ModelProviderStore>();
        var saved = await store.CreateAsync(new ModelProviderInput("Before the upgrade", "https://llm.example.com/v1", null, key));
        return saved.Provider!.Id;
    }

    /// <summary>A key made by an older studio after the database already holds the ring: it must not be imported.</summary>
    private static async Task MakeKeyInFolderAsync(string keysFolder)
    {
        await using var host = OlderStudio(database: null, keysFolder);
        host.GetRequiredService<IKeyManager>().CreateNewKey(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(90));
    }

    private static ServiceProvider OlderStudio(TestDatabase? database, string keysFolder)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        if (database is not null)
        {
            services.AddWorkflowEngine();
            services.AddStudioPersistence(database.Settings);
        }
        services.AddModelProviders();
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(keysFolder));
        return services.BuildServiceProvider();
    }

    private sealed record UpgradedStart(Func<string, string?> Key, int Rows);

    /// <summary>The studio's services after the upgrade, with the start-up step that runs first of all (the accounts'), then
    /// the model providers loaded as the studio's own step does; returns the providers' keys as the store decrypted them and the ring's row count.</summary>
    private static async Task<UpgradedStart> StartUpgradedAsync(TestDatabase database, string dataFolder)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddWorkflowEngine();
        services.AddStudioPersistence(database.Settings);
        services.AddModelProviders();
        services.AddStudioAccounts(database.Settings, dataFolder: dataFolder);
        await using var host = services.BuildServiceProvider();
        var accountsStart = Assert.IsType<AccountsInitializer>(host.GetServices<IHostedService>().First());
        await accountsStart.StartAsync(CancellationToken.None);
        var store = host.GetRequiredService<ModelProviderStore>();
        await store.LoadAsync();
        var keys = store.All.ToDictionary(p => p.Id, p => p.ApiKey);
        await using var scope = host.CreateAsyncScope();
        var rows = await scope.ServiceProvider.GetRequiredService<AccountsDbContext>().DataProtectionKeys.CountAsync();
        return new UpgradedStart(id => keys.GetValueOrDefault(id), rows);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
