using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowEngine.Persistence;

namespace Microsoft.Extensions.DependencyInjection;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>SQLite storage for workflows, knowledge bases, runs and chats. <paramref name="connectionString"/> is a SQLite
    /// connection string such as <c>Data Source=App_Data/studio.db</c>.</summary>
    public static IServiceCollection AddStudioPersistence(this IServiceCollection services, string connectionString)
    {
        services.AddDbContextFactory<StudioDbContext>(o => o.UseSqlite(connectionString));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WorkflowStore>();
        return services;
    }
}
