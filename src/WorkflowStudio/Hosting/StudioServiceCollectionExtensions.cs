using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;
using WorkflowEngine.Persistence;
using WorkflowStudio.Components.Pages.Workflows;
using WorkflowStudio.Hosting;
using WorkflowStudio.Samples;

namespace Microsoft.Extensions.DependencyInjection;

public static class StudioServiceCollectionExtensions
{
    /// <summary>The studio UI: Blazor (interactive server), MudBlazor, the workflow library, model providers (their keys encrypted
    /// by the Data Protection key ring that <c>AddStudioAccounts()</c> keeps in the database, the ring itself encrypted when
    /// <paramref name="configuration"/> names a certificate in <c>DataProtection:CertificatePath</c>), and the start-up step that
    /// migrates the database and seeds the sample FAQ bot on first start.</summary>
    public static IServiceCollection AddWorkflowStudio(this IServiceCollection services, IConfiguration? configuration = null)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices(mud =>
        {
            // Toasts stay out of the inspector and the app bar, and a burst (Validate then Ctrl+S) does not pile up.
            mud.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft;
            mud.SnackbarConfiguration.MaxDisplayedSnackbars = 2;
            mud.SnackbarConfiguration.PreventDuplicates = true;
        });
        services.TryAddSingleton<StudioSamples>();
        services.TryAddScoped<WorkflowLibrary>();
        services.AddModelProviders(configuration);
        services.AddWorkflowEditor();
        services.AddWorkflowRuns();
        services.AddHostedService<StudioDatabaseInitializer>();
        // After the initializer (hosted services start in order): the sample knowledge base exists by then.
        services.TryAddSingleton<EngineWarmUp>();
        services.AddHostedService(sp => sp.GetRequiredService<EngineWarmUp>());
        return services;
    }

    /// <summary>The database from <c>Database:Provider</c> and <c>ConnectionStrings:Studio</c> (default SQLite on
    /// <c>Data Source=App_Data/studio.db</c>, a relative file made absolute under the content root); a setting that cannot work
    /// stops the start with what to change.</summary>
    public static StudioDatabaseSettings StudioDatabase(this IHostApplicationBuilder builder) =>
        StudioDatabaseSettings.FromConfiguration(builder.Configuration, builder.Environment.ContentRootPath);
}
