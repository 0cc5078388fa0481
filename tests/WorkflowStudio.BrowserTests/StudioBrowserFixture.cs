using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;
using WorkflowTesting;

namespace WorkflowStudio.BrowserTests;

/// <summary>One studio (real Kestrel, temp SQLite) and one Debian Chromium for all browser tests of the collection.
/// Each test opens its own page in a fresh browser context at 1280×800. The studio starts with an administrator from
/// <c>Studio:Admin:*</c>; the fixture signs in once through the real sign-in page and gives every context that cookie.
/// Single sign-on is configured against a <see cref="FakeOidcProvider"/> named <see cref="SingleSignOnName"/>.</summary>
public sealed class StudioBrowserFixture : IAsyncLifetime
{
    public const string AdminEmail = "admin@studio.test";
    public const string AdminPassword = "Admin-Pass-1234";
    public const string SingleSignOnName = "Test IdP";

    private IPlaywright? _playwright;
    private string _adminState = "";

    public StudioServer Server { get; private set; } = default!;

    /// <summary>The OpenID Connect provider the studio's "Sign in with Test IdP" leads to; set its <c>User</c> per test.</summary>
    public FakeOidcProvider Oidc { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>Settings for the studio; override in a derived fixture (e.g. Redis, a fake LLM server).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Where screenshots go: <c>$STUDIO_SCREENSHOTS</c>, or artifacts/screenshots at the repository root.</summary>
    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    public async Task InitializeAsync()
    {
        Oidc = await FakeOidcProvider.StartAsync();
        var settings = new Dictionary<string, string?>(Settings)
        {
            ["Studio:Admin:Email"] = AdminEmail,
            ["Studio:Admin:Password"] = AdminPassword,
            ["Authentication:Oidc:Authority"] = Oidc.Authority,
            ["Authentication:Oidc:ClientId"] = Oidc.ClientId,
            ["Authentication:Oidc:ClientSecret"] = Oidc.ClientSecret,
            ["Authentication:Oidc:DisplayName"] = SingleSignOnName,
            ["Authentication:Oidc:RequireHttpsMetadata"] = "false",
        };
        Server = await StudioServer.StartAsync(settings);
        await Server.WaitUntilReadyAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        _adminState = await SignInAsync(AdminEmail, AdminPassword);
    }

    /// <summary>Signs in through the sign-in page in a context of its own and returns that context's storage state (its
    /// cookies), for <see cref="OpenAsync(string, string)"/>.</summary>
    public async Task<string> SignInAsync(string email, string password)
    {
        await using var context = await NewContextAsync(storageState: null);
        var page = await context.NewPageAsync();
        await page.GotoAsync("account/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/", StringComparison.Ordinal));
        return await context.StorageStateAsync();
    }

    /// <summary>A browser context with nobody signed in, e.g. for the sign-in page itself.</summary>
    public Task<IBrowserContext> NewSignedOutContextAsync() => NewContextAsync(storageState: null);

    /// <summary>Adds an account with <paramref name="role"/> straight through Identity, and returns its password.</summary>
    public async Task<string> CreateUserAsync(string email, string role)
    {
        const string password = "User-Pass-5678";
        await using var scope = Server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>();
        var user = new StudioUser { UserName = email, Email = email };
        var created = await users.CreateAsync(user, password);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        return password;
    }

    /// <summary>A copy of the preloaded sample bot named <paramref name="name"/>, so a test can change it while others see the original.</summary>
    public async Task<StoredWorkflow> CopySampleAsync(string name)
    {
        var store = Server.Services.GetRequiredService<WorkflowStore>();
        var sample = (await store.ListAsync()).First(w => w.Name == "FAQ bot (sample)");
        return await store.CreateAsync((await store.GetAsync(sample.Id))!.Graph with { Name = name });
    }

    /// <summary>Opens <paramref name="path"/> as the administrator in a new page and waits until the Blazor circuit is connected
    /// (the layout marks itself <c>data-circuit="connected"</c> only when rendering interactively), so clicks reach the server.</summary>
    public Task<IPage> OpenAsync(string path = "workflows") => OpenAsync(path, _adminState);

    /// <summary>Opens <paramref name="path"/> signed in as whoever <paramref name="storageState"/> (from <see cref="SignInAsync"/>) belongs to.</summary>
    public async Task<IPage> OpenAsync(string path, string storageState)
    {
        var context = await NewContextAsync(storageState);
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await WaitForCircuitAsync(page);
        return page;
    }

    private async Task<IBrowserContext> NewContextAsync(string? storageState)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            AcceptDownloads = true,
            StorageState = storageState,
        });
        context.SetDefaultTimeout(15_000);
        return context;
    }

    public static async Task WaitForCircuitAsync(IPage page) =>
        await page.Locator("[data-circuit=connected]").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });

    /// <summary>Presses Escape until <paramref name="dialog"/> is gone: a MudBlazor dialog listens for keys only once its script
    /// has subscribed, a moment after it appears, so one press may come too early.</summary>
    public static Task PressEscapeUntilHiddenAsync(IPage page, ILocator dialog) =>
        Eventually.WaitUntilAsync(async () =>
        {
            if (!await dialog.IsVisibleAsync())
            {
                return true;
            }
            await page.Keyboard.PressAsync("Escape");
            return false;
        }, TimeSpan.FromSeconds(30), "the dialog to close on Escape", TimeSpan.FromMilliseconds(250));

    /// <summary>Saves a full-page screenshot as <c>&lt;name&gt;.png</c> in <see cref="ScreenshotDirectory"/> and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        if (Oidc is not null)
        {
            await Oidc.DisposeAsync();
        }
    }

    private static string FindScreenshotDirectory()
    {
        if (Environment.GetEnvironmentVariable("STUDIO_SCREENSHOTS") is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "WorkflowStudio.sln")))
            {
                return Path.Combine(dir.FullName, "artifacts", "screenshots");
            }
        }
        return Path.Combine(AppContext.BaseDirectory, "screenshots");
    }
}

/// <summary>Browser tests share one studio and one browser, and run one after another (2 cores).</summary>
[CollectionDefinition(Name)]
public sealed class StudioBrowserCollection : ICollectionFixture<StudioBrowserFixture>
{
    public const string Name = "Studio in a browser";
}
