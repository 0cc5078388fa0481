using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using WorkflowEngine.Persistence;

namespace WorkflowEngine.Tests.Persistence;

public sealed class StudioDatabaseTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("studio-db-").FullName;

    [Fact]
    public async Task MigrateAsync_NewFileInMissingFolder_CreatesFolderAppliesMigrationsAndTurnsOnWal()
    {
        // Arrange
        var path = Path.Combine(_root, "nested", "App_Data", "studio.db");
        await using var db = Open($"Data Source={path}");

        // Act
        var isNew = await StudioDatabase.MigrateAsync(db);

        // Assert
        Assert.True(isNew);
        Assert.True(File.Exists(path));
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal("wal", await JournalModeAsync(path));
    }

    [Fact]
    public async Task MigrateAsync_SecondStart_ReportsNotNewAndKeepsData()
    {
        // Arrange
        var connectionString = $"Data Source={Path.Combine(_root, "studio.db")}";
        await using (var first = Open(connectionString))
        {
            await StudioDatabase.MigrateAsync(first);
            first.Workflows.Add(new WorkflowEntity { Name = "Kept" });
            await first.SaveChangesAsync();
        }
        await using var second = Open(connectionString);

        // Act
        var isNew = await StudioDatabase.MigrateAsync(second);

        // Assert
        Assert.False(isNew);
        Assert.Equal("Kept", Assert.Single(await second.Workflows.ToListAsync()).Name);
    }

    [Fact]
    public async Task Model_ComparedWithCommittedMigrations_HasNoPendingChanges()
    {
        // Arrange: an entity or mapping change without a new migration would fail here, not on a user's machine.
        await using var db = Open($"Data Source={Path.Combine(_root, "model.db")}");

        // Act
        var pending = db.Database.HasPendingModelChanges();

        // Assert
        Assert.False(pending, "The EF model changed without a migration: run dotnet dotnet-ef migrations add <Name> (see README).");
    }

    [Theory]
    [InlineData(null, "App_Data/studio.db")]
    [InlineData("Data Source=data/x.db", "data/x.db")]
    public void ResolveConnectionString_RelativeFile_IsMadeAbsoluteUnderTheBaseDirectory(string? configured, string expectedRelative)
    {
        // Act
        var resolved = new SqliteConnectionStringBuilder(StudioDatabase.ResolveConnectionString(configured, _root));

        // Assert
        Assert.Equal(Path.GetFullPath(Path.Combine(_root, expectedRelative)), resolved.DataSource);
    }

    [Fact]
    public void ResolveConnectionString_AbsoluteFile_IsKept()
    {
        // Arrange
        var absolute = Path.Combine(_root, "elsewhere.db");

        // Act
        var resolved = new SqliteConnectionStringBuilder(StudioDatabase.ResolveConnectionString($"Data Source={absolute}", "/somewhere/else"));

        // Assert
        Assert.Equal(absolute, resolved.DataSource);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private static StudioDbContext Open(string connectionString) =>
        new(new DbContextOptionsBuilder<StudioDbContext>().UseSqlite(connectionString).Options);

    private static async Task<string?> JournalModeAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        return (string?)await command.ExecuteScalarAsync();
    }
}
