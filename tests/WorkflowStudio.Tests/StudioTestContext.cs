using Blazor.Diagrams.Core.Geometry;
using Bunit;
using Bunit.Rendering;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using MudBlazor.Services;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;
using WorkflowStudio.Components.Pages.Workflows;
using WorkflowStudio.Samples;

namespace WorkflowStudio.Tests;

/// <summary>The one bunit context for studio components: MudBlazor services, loose JS interop, Z.Blazor.Diagrams' container
/// measurement answered with a 1280×800 rectangle, an interactive (server) renderer, and a signed-in administrator
/// (<see cref="Authorization"/> changes the role). <see cref="UseStudioDatabase"/> adds the real SQLite-backed stores on a
/// temporary file.</summary>
public abstract class StudioTestContext : BunitContext, IAsyncLifetime
{
    private string? _databaseDirectory;

    protected StudioTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        // Loose mode would answer null, and Diagram.SetContainer dereferences the rectangle.
        JSInterop.Setup<Rectangle>("ZBlazorDiagrams.getBoundingClientRect", _ => true).SetResult(new Rectangle(0, 0, 1280, 800));
        Services.AddMudServices(o => o.PopoverOptions.CheckForPopoverProvider = false);
        Services.AddLogging();
        Authorization = AddAuthorization();
        Authorization.SetAuthorized("admin@studio.test").SetRoles(StudioRoles.Admin);
        Services.TryAddScoped<StudioAccess>();
        // MudBlazor registers the system clock; tests own the clock.
        Services.RemoveAll<TimeProvider>();
        Services.AddSingleton<TimeProvider>(Time);
        ConfigureServices(Services);
        // Touching the renderer builds the service provider: after this line no service can be added.
        SetRendererInfo(new RendererInfo("Server", true));
    }

    /// <summary>Add the services a test class needs here (e.g. call <see cref="UseStudioDatabase"/>); it runs in the base
    /// constructor, before the container is frozen.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Who is signed in: an administrator unless a test says otherwise (e.g. <c>Authorization.SetRoles(StudioRoles.Viewer)</c>).</summary>
    protected BunitAuthorizationContext Authorization { get; }

    /// <summary>Controls "now" for everything that asks the registered <see cref="TimeProvider"/>.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero));

    /// <summary>Registers the engine (embedded defaults: L1 cache only, offline responder, built-in embeddings, plus any
    /// <paramref name="settings"/>) and the studio's persistence on a fresh, migrated SQLite file, plus the services pages use
    /// on top of them. Call from <see cref="ConfigureServices"/>.</summary>
    protected void UseStudioDatabase(IReadOnlyDictionary<string, string?>? settings = null)
    {
        _databaseDirectory = Directory.CreateTempSubdirectory("studio-bunit-").FullName;
        var connectionString = $"Data Source={Path.Combine(_databaseDirectory, "studio.db")}";
        Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build());
        Services.AddWorkflowEngine();
        Services.AddStudioPersistence(connectionString);
        Services.AddModelProviders();
        // In the test's folder, not Data Protection's default under the user's home.
        Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(_databaseDirectory, "keys")));
        Services.TryAddSingleton<StudioSamples>();
        Services.TryAddScoped<WorkflowLibrary>();
        using var db = new StudioDbContext(new DbContextOptionsBuilder<StudioDbContext>().UseSqlite(connectionString).Options);
        StudioDatabase.MigrateAsync(db).GetAwaiter().GetResult();
    }

    /// <summary>Renders <typeparamref name="TPage"/> (with its <paramref name="parameters"/>, by name) inside the providers the
    /// layout normally supplies (popovers, dialogs, snackbars), after any <paramref name="before"/> content (e.g. a section outlet).</summary>
    protected IRenderedComponent<ContainerFragment> RenderWithProviders<TPage>(IReadOnlyDictionary<string, object?>? parameters = null, RenderFragment? before = null)
        where TPage : IComponent =>
        Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MudSnackbarProvider>(2);
            builder.CloseComponent();
            builder.AddContent(3, before);
            builder.OpenComponent<TPage>(4);
            foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
            {
                builder.AddAttribute(5, name, value);
            }
            builder.CloseComponent();
        });

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor has services that only dispose asynchronously; xunit 2 calls this before Dispose().
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    protected T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _databaseDirectory is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_databaseDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean: a test failing mid-way may still hold the file.
            }
        }
    }
}
