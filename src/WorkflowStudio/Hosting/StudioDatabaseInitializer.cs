using Microsoft.EntityFrameworkCore;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;
using WorkflowStudio.Providers;
using WorkflowStudio.Samples;

namespace WorkflowStudio.Hosting;

/// <summary>Runs before the server accepts requests: applies migrations (creating the SQLite file and its folder) and, when the
/// database is new, preloads the sample knowledge base and FAQ bot. All of it under the database's start-up lock: of several
/// instances starting at once on one PostgreSQL database, one migrates and seeds, the others wait and find it not new.</summary>
internal sealed class StudioDatabaseInitializer(
    IDbContextFactory<StudioDbContext> dbFactory, StudioSamples samples, KnowledgeBaseService knowledgeBases, ModelProviderStore providers,
    ILogger<StudioDatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var startLock = await StudioDatabase.LockForStartAsync(dbFactory, cancellationToken);
        bool isNew;
        string? dataSource;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            isNew = await StudioDatabase.MigrateAsync(db, cancellationToken);
            dataSource = db.Database.GetDbConnection().DataSource;
        }
        Log.DatabaseReady(logger, dataSource ?? "(unknown)", isNew);
        await providers.LoadAsync(cancellationToken);
        await providers.ProtectStoredWorkflowsAsync(cancellationToken);
        // Idempotent: adds missing or changed sample articles; chunking and embedding run in the background.
        await knowledgeBases.EnsureSampleAsync(cancellationToken);
        if (isNew)
        {
            var workflow = await samples.SeedAsync(cancellationToken);
            Log.SampleSeeded(logger, workflow.Graph.Name, workflow.Id);
        }
    }

    /// <summary>Stops knowledge-base indexing while every service is still alive (hosted services stop before the container is
    /// disposed), so a document half-indexed at shutdown is resumed at the next start, not marked failed.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => knowledgeBases.StopAsync();
}
