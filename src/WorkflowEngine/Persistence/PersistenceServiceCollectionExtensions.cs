using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowEngine.Persistence;

namespace Microsoft.Extensions.DependencyInjection;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>Storage for workflows, knowledge bases, runs and chats on SQLite or PostgreSQL (<paramref name="database"/>).
    /// Code asks for <see cref="IDbContextFactory{StudioDbContext}"/> either way; on PostgreSQL it makes
    /// <see cref="PostgreSqlStudioDbContext"/>, whose migrations are PostgreSQL's.</summary>
    public static IServiceCollection AddStudioPersistence(this IServiceCollection services, StudioDatabaseSettings database)
    {
        services.TryAddSingleton(database);
        switch (database.Provider)
        {
            case DatabaseProvider.PostgreSQL:
                services.AddDbContextFactory<PostgreSqlStudioDbContext>(o => database.Configure(o));
                services.TryAddSingleton<IDbContextFactory<StudioDbContext>, ProviderContextFactory<PostgreSqlStudioDbContext>>();
                break;
            default:
                services.AddDbContextFactory<StudioDbContext>(o => database.Configure(o));
                break;
        }
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WorkflowStore>();
        return services;
    }

    /// <summary>SQLite storage on <paramref name="connectionString"/>, such as <c>Data Source=App_Data/studio.db</c>.</summary>
    public static IServiceCollection AddStudioPersistence(this IServiceCollection services, string connectionString) =>
        services.AddStudioPersistence(StudioDatabaseSettings.Sqlite(connectionString));

    /// <summary>Hands out the provider's context type where <see cref="StudioDbContext"/> is asked for
    /// (<see cref="IDbContextFactory{TContext}"/> is not covariant).</summary>
    private sealed class ProviderContextFactory<TContext>(IDbContextFactory<TContext> factory) : IDbContextFactory<StudioDbContext>
        where TContext : StudioDbContext
    {
        public StudioDbContext CreateDbContext() => factory.CreateDbContext();

        public async Task<StudioDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await factory.CreateDbContextAsync(cancellationToken);
    }
}
