using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WorkflowEngine.Persistence;
using WorkflowTesting;

namespace WorkflowStudio.BrowserTests;

/// <summary>One studio (real Kestrel, temp SQLite) and one Debian Chromium for all browser tests of the collection.
/// Each test opens its own page in a fresh browser context at 1280×800.</summary>
public sealed class StudioBrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public StudioServer Server { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>Settings for the studio; override in a derived fixture (e.g. Redis, a fake LLM server).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Where screenshots go: <c>$STUDIO_SCREENSHOTS</c>, or artifacts/screenshots at the repository root.</summary>
    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    public async Task InitializeAsync()
    {
        Server = await StudioServer.StartAsync(Settings);
        await Server.WaitUntilReadyAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A copy of the preloaded sample bot named <paramref name="name"/>, so a test can change it while others see the original.</summary>
    public async Task<StoredWorkflow> CopySampleAsync(string name)
    {
        var store = Server.Services.GetRequiredService<WorkflowStore>();
        var sample = (await store.ListAsync()).First(w => w.Name == "FAQ bot (sample)");
        return await store.CreateAsync((await store.GetAsync(sample.Id))!.Graph with { Name = name });
    }

    /// <summary>Opens <paramref name="path"/> in a new page and waits until the Blazor circuit is connected (the layout marks
    /// itself <c>data-circuit="connected"</c> only when rendering interactively), so clicks reach the server.</summary>
    public async Task<IPage> OpenAsync(string path = "workflows")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await WaitForCircuitAsync(page);
        return page;
    }

    public static async Task WaitForCircuitAsync(IPage page) =>
        await page.Locator("[data-circuit=connected]").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });

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
