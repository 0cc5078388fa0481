using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowEngine.Llm;
using WorkflowEngine.Persistence;
using WorkflowStudio.Providers;

namespace Microsoft.Extensions.DependencyInjection;

public static class ModelProvidersServiceCollectionExtensions
{
    /// <summary>
    /// Model providers configured in the studio: the <see cref="ModelProviderStore"/> as the engine's
    /// <see cref="ILlmProviderCatalog"/> (replacing the engine's empty one) and as a workflow document filter, and ASP.NET Data
    /// Protection, which encrypts their keys. Where the key ring is stored is up to the host: the studio keeps it in its database
    /// (<c>AddStudioAccounts()</c>); without a repository it is Data Protection's default. With <c>DataProtection:CertificatePath</c>
    /// in <paramref name="configuration"/> (<see cref="KeyRingOptions"/>) the ring's keys are stored encrypted to that
    /// certificate; one that cannot be used stops the start here, with the reason.
    /// </summary>
    public static IServiceCollection AddModelProviders(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var protection = services.AddDataProtection().SetApplicationName("WorkflowStudio");
        // Read at registration, not through IOptions: Data Protection takes the certificate itself, and a configured one that
        // cannot be used must stop the start before any key is written unencrypted.
        var keyRing = configuration?.GetSection(KeyRingOptions.SectionName).Get<KeyRingOptions>();
        if (keyRing?.LoadCertificate() is { } certificate)
        {
            protection.ProtectKeysWithCertificate(certificate);
        }
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ModelProviderStore>();
        services.Replace(ServiceDescriptor.Singleton<ILlmProviderCatalog>(sp => sp.GetRequiredService<ModelProviderStore>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWorkflowDocumentFilter, ModelProviderStore>(sp => sp.GetRequiredService<ModelProviderStore>()));
        services.TryAddScoped<OutboundUrlGuard>();
        return services;
    }
}
