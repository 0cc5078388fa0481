using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Persistence;
using WorkflowTesting;

namespace WorkflowEngine.Tests.Persistence;

/// <summary><see cref="DatabaseCopier"/> from a real SQLite file into a real PostgreSQL database.</summary>
public sealed class DatabaseCopierTests
{
    private const int Chunks = 5_000;

    [Fact]
    public async Task CopyAsync_ThousandsOfChunksWithVectors_CopiedByteForByteInBatchesWithProgressAndTheNextInsertGetsAFreshKey()
    {
        // Arrange: a knowledge base with 5,000 chunks, each with a 384-float vector, and rows with an offset, an enum and nulls
        await using var sqlite = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var postgres = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSQL);
        await using var sourceServices = Services(sqlite.Settings);
        await using var targetServices = Services(postgres.Settings);
        await using var source = await MigratedAsync(sourceServices);
        await using var target = await MigratedAsync(targetServices);
        var random = new Random(17);
        var savedAt = new DateTimeOffset(2026, 11, 30, 9, 15, 0, TimeSpan.FromHours(2));
        source.Workflows.Add(new WorkflowEntity { Id = "w", Name = "Offsets", CreatedAt = savedAt, UpdatedAt = savedAt, Versions = [new() { Version = 1, SavedAt = savedAt }] });
        source.KnowledgeBases.Add(new KnowledgeBaseEntity
        {
            Id = "kb",
            Name = "Big",
            Documents =
            [
                new()
                {
                    Id = "doc",
                    Name = "big.md",
                    State = DocumentState.Ready,
                    Error = null,
                    Chunks = [.. Enumerable.Range(0, Chunks).Select(i => new KnowledgeChunkEntity
                    {
                        KnowledgeBaseId = "kb",
                        Ordinal = i,
                        DocumentName = "big.md",
                        Heading = i % 2 == 0 ? null : $"Part {i}",
                        Text = $"Chunk {i}",
                        Vector = RandomVector(random),
                    })],
                },
            ],
        });
        await source.SaveChangesAsync();
        var reports = new List<TableCopyProgress>();

        // Act
        var first = await DatabaseCopier.CopyAsync(source, target, new Recorder(reports), batchRows: 1000);
        var second = await DatabaseCopier.CopyAsync(source, target);
        target.KnowledgeChunks.Add(new KnowledgeChunkEntity { DocumentId = "doc", KnowledgeBaseId = "kb", Ordinal = Chunks, Text = "After the copy" });
        target.WorkflowVersions.Add(new WorkflowVersionEntity { WorkflowId = "w", Version = 2, SavedAt = savedAt });
        await target.SaveChangesAsync();

        // Assert: every chunk with its vector, in order; the offset and the enum as they were
        var copiedChunks = await target.KnowledgeChunks.AsNoTracking().Where(c => c.Ordinal < Chunks).OrderBy(c => c.Id).ToListAsync();
        var sourceChunks = await source.KnowledgeChunks.AsNoTracking().OrderBy(c => c.Id).ToListAsync();
        Assert.Equal(Chunks, Assert.Single(first, r => r.Table == "KnowledgeChunks").Copied);
        Assert.Equal(sourceChunks.Select(c => (c.Id, c.Ordinal, c.Heading, c.Text)), copiedChunks.Select(c => (c.Id, c.Ordinal, c.Heading, c.Text)));
        Assert.All(sourceChunks.Zip(copiedChunks), pair => Assert.Equal(pair.First.Vector, pair.Second.Vector));
        var workflow = await target.Workflows.AsNoTracking().SingleAsync();
        Assert.Equal(savedAt, workflow.CreatedAt);
        Assert.Equal(savedAt.Offset, workflow.CreatedAt.Offset);
        Assert.Equal(DocumentState.Ready, (await target.KnowledgeDocuments.AsNoTracking().SingleAsync()).State);

        // Assert: a progress line per batch, then the table's result; the second copy found every row there already
        var chunkReports = reports.Where(r => r.Table == "KnowledgeChunks").ToList();
        Assert.Equal([0, 1000, 2000, 3000, 4000, 5000, 5000], chunkReports.Select(r => r.Done));
        Assert.All(chunkReports, r => Assert.Equal(Chunks, r.Total));
        Assert.Equal(new TableCopyResult("KnowledgeChunks", Chunks, 0), chunkReports[^1].Result);
        Assert.All(second, r => Assert.Equal(0, r.Copied));
        Assert.Equal(first.Sum(r => r.Copied), second.Sum(r => r.AlreadyThere));

        // Assert: the rows inserted after the copy got keys after the copied ones
        Assert.Equal(sourceChunks[^1].Id + 1, (await target.KnowledgeChunks.SingleAsync(c => c.Ordinal == Chunks)).Id);
        Assert.Equal(2, await target.WorkflowVersions.CountAsync());
    }

    [Fact]
    public async Task CheckTargetAsync_TargetWithARowNotInTheSource_RefusedWhileAnEarlierCopyPasses()
    {
        // Arrange
        await using var sqlite = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var copied = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSQL);
        await using var used = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSQL);
        await using var sourceServices = Services(sqlite.Settings);
        await using var copiedServices = Services(copied.Settings);
        await using var usedServices = Services(used.Settings);
        await using var source = await MigratedAsync(sourceServices);
        await using var copy = await MigratedAsync(copiedServices);
        await using var other = await MigratedAsync(usedServices);
        source.Workflows.Add(new WorkflowEntity { Id = "mine", Name = "Mine", Versions = [new() { Version = 1 }] });
        await source.SaveChangesAsync();
        await DatabaseCopier.CopyAsync(source, copy);
        await DatabaseCopier.CopyAsync(source, other);
        other.WorkflowVersions.Add(new WorkflowVersionEntity { WorkflowId = "mine", Version = 2 });
        await other.SaveChangesAsync();

        // Act
        var refused = await Assert.ThrowsAsync<DatabaseCopyException>(() => DatabaseCopier.CheckTargetAsync(source, other));
        await DatabaseCopier.CheckTargetAsync(source, copy);

        // Assert
        Assert.StartsWith("The target already holds 1 row(s) in WorkflowVersions that are not in the source", refused.Message);
    }

    [Fact]
    public async Task InForeignKeyOrder_StudioModel_PrincipalsBeforeDependents()
    {
        // Arrange
        await using var sqlite = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var services = Services(sqlite.Settings);
        await using var db = await services.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();

        // Act
        var order = DatabaseCopier.InForeignKeyOrder(db.Model.GetRelationalModel().Tables).Select(t => t.Name).ToList();

        // Assert
        Assert.Equal(db.Model.GetRelationalModel().Tables.Count(), order.Count);
        Assert.True(order.IndexOf("Workflows") < order.IndexOf("WorkflowVersions"));
        Assert.True(order.IndexOf("KnowledgeBases") < order.IndexOf("KnowledgeDocuments"));
        Assert.True(order.IndexOf("KnowledgeDocuments") < order.IndexOf("KnowledgeChunks"));
    }

    private static byte[] RandomVector(Random random)
    {
        var vector = new byte[384 * sizeof(float)];
        random.NextBytes(vector);
        return vector;
    }

    private static ServiceProvider Services(StudioDatabaseSettings settings) =>
        new ServiceCollection().AddStudioPersistence(settings).BuildServiceProvider();

    private static async Task<StudioDbContext> MigratedAsync(ServiceProvider services)
    {
        var db = await services.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        await StudioDatabase.MigrateAsync(db);
        return db;
    }

    /// <summary>Keeps every report in order, on the copying thread (<see cref="Progress{T}"/> would post them elsewhere).</summary>
    private sealed class Recorder(List<TableCopyProgress> reports) : IProgress<TableCopyProgress>
    {
        public void Report(TableCopyProgress value) => reports.Add(value);
    }
}
