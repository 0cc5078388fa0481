using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Persistence;

/// <summary>The workflow store on each database provider, migrated as at start.</summary>
public sealed class WorkflowStoreTests
{
    [Theory, BothDatabases]
    public async Task SaveAsync_ExpectedVersionCurrent_SavesNextVersionAndKeepsTheOldOne(DatabaseProvider provider)
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = await StartAsync(database);
        var store = services.GetRequiredService<WorkflowStore>();
        var created = await store.CreateAsync(new WorkflowGraph { Name = "First" }, savedBy: "ann@example.com");

        // Act
        var saved = await store.SaveAsync(created.Id, new WorkflowGraph { Name = "Second" }, expectedVersion: 1, savedBy: "bob@example.com");

        // Assert
        Assert.Equal((SaveStatus.Saved, 2), (saved.Status, saved.Version));
        Assert.Equal("Second", (await store.GetAsync(created.Id))!.Graph.Name);
        Assert.Equal("First", (await store.GetVersionAsync(created.Id, 1))!.Name);
        Assert.Equal(["bob@example.com", "ann@example.com"], (await store.ListVersionsAsync(created.Id)).Select(v => v.SavedBy));
    }

    [Theory, BothDatabases]
    public async Task SaveAsync_StaleExpectedVersion_ConflictWithTheCurrentVersionAndNothingSaved(DatabaseProvider provider)
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = await StartAsync(database);
        var store = services.GetRequiredService<WorkflowStore>();
        var created = await store.CreateAsync(new WorkflowGraph { Name = "First" });
        await store.SaveAsync(created.Id, new WorkflowGraph { Name = "Second" }, expectedVersion: 1);

        // Act
        var stale = await store.SaveAsync(created.Id, new WorkflowGraph { Name = "From an old tab" }, expectedVersion: 1);

        // Assert
        Assert.Equal((SaveStatus.Conflict, 2), (stale.Status, stale.Version));
        Assert.Equal("Second", (await store.GetAsync(created.Id))!.Graph.Name);
    }

    [Theory, BothDatabases]
    public async Task SaveAsync_TwoSavesPassTheVersionCheckAtOnce_OneSavedTheOtherConflicts(DatabaseProvider provider)
    {
        // Arrange: both saves read version 1 and pass the check; the filter, which runs between the check and the write, holds
        // each until both are there, so the database's concurrency token has to decide.
        await using var database = await TestDatabase.CreateAsync(provider);
        var meet = new Rendezvous(2);
        await using var services = await StartAsync(database, meet);
        var store = services.GetRequiredService<WorkflowStore>();
        meet.Enabled = false;
        var created = await store.CreateAsync(new WorkflowGraph { Name = "First" });
        meet.Enabled = true;

        // Act
        var results = await Task.WhenAll(
            Task.Run(() => store.SaveAsync(created.Id, new WorkflowGraph { Name = "Tab A" }, expectedVersion: 1)),
            Task.Run(() => store.SaveAsync(created.Id, new WorkflowGraph { Name = "Tab B" }, expectedVersion: 1))).WaitAsync(TimeSpan.FromSeconds(60));

        // Assert
        Assert.Equal([SaveStatus.Saved, SaveStatus.Conflict], results.Select(r => r.Status).Order());
        Assert.All(results, r => Assert.Equal(2, r.Version));
        var stored = await store.GetAsync(created.Id);
        Assert.Equal(2, stored!.Version);
        Assert.Equal(2, (await store.ListVersionsAsync(created.Id)).Count);
    }

    private static async Task<ServiceProvider> StartAsync(TestDatabase database, IWorkflowDocumentFilter? filter = null)
    {
        var services = new ServiceCollection().AddStudioPersistence(database.Settings);
        if (filter is not null)
        {
            services.AddSingleton(filter);
        }
        var provider = services.BuildServiceProvider();
        await using var db = await provider.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        await StudioDatabase.MigrateAsync(db);
        return provider;
    }

    /// <summary>Holds each document until <paramref name="count"/> have arrived.</summary>
    private sealed class Rendezvous(int count) : IWorkflowDocumentFilter
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _arrived;

        public bool Enabled { get; set; } = true;

        public async ValueTask<WorkflowGraph> BeforeStoreAsync(WorkflowGraph graph, CancellationToken cancellationToken)
        {
            if (Enabled && Interlocked.Increment(ref _arrived) == count)
            {
                _all.TrySetResult();
            }
            if (Enabled)
            {
                await _all.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }
            return graph;
        }
    }
}
