using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Persistence;
using WorkflowTesting;

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

    [Theory, BothDatabases]
    public async Task MigrateAsync_SecondStart_ReportsNotNewAndKeepsData(DatabaseProvider provider)
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = Services(database.Settings);
        var dbFactory = services.GetRequiredService<IDbContextFactory<StudioDbContext>>();
        bool firstIsNew;
        await using (var first = await dbFactory.CreateDbContextAsync())
        {
            firstIsNew = await StudioDatabase.MigrateAsync(first);
            first.Workflows.Add(new WorkflowEntity { Name = "Kept" });
            await first.SaveChangesAsync();
        }
        await using var second = await dbFactory.CreateDbContextAsync();

        // Act
        var isNew = await StudioDatabase.MigrateAsync(second);

        // Assert
        Assert.True(firstIsNew);
        Assert.False(isNew);
        Assert.Empty(await second.Database.GetPendingMigrationsAsync());
        Assert.Equal("Kept", Assert.Single(await second.Workflows.ToListAsync()).Name);
    }

    [Theory, BothDatabases]
    public void Model_ComparedWithCommittedMigrations_HasNoPendingChanges(DatabaseProvider provider)
    {
        // Arrange: an entity or mapping change without a new migration (for each provider) would fail here, not on a user's
        // machine. No connection is opened.
        var settings = provider == DatabaseProvider.Sqlite
            ? StudioDatabaseSettings.Sqlite($"Data Source={Path.Combine(_root, "model.db")}")
            : StudioDatabaseSettings.PostgreSql("Host=localhost;Database=model");
        using var services = Services(settings);
        using var db = services.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContext();

        // Act
        var pending = db.Database.HasPendingModelChanges();

        // Assert
        Assert.False(pending, $"The EF model changed without a {provider} migration: run dotnet dotnet-ef migrations add <Name> for both providers (see README).");
    }

    [Fact]
    public async Task LockForStartAsync_TwoInstancesMigrateAnEmptyPostgreSqlDatabaseAtOnce_ExactlyOneFindsItNewAndEachMigrationIsAppliedOnce()
    {
        // Arrange: two instances (service providers) on one empty database, both starting as the studio's initializer does.
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSQL);
        await using var a = Services(database.Settings);
        await using var b = Services(database.Settings);
        var order = new List<string>();

        async Task<bool> StartAsync(ServiceProvider instance, string name)
        {
            var dbFactory = instance.GetRequiredService<IDbContextFactory<StudioDbContext>>();
            await using var startLock = await StudioDatabase.LockForStartAsync(dbFactory);
            lock (order)
            {
                order.Add(name + " in");
            }
            await using var db = await dbFactory.CreateDbContextAsync();
            var isNew = await StudioDatabase.MigrateAsync(db);
            if (isNew)
            {
                // What the studio seeds on a new database.
                db.Workflows.Add(new WorkflowEntity { Name = "Sample" });
                await db.SaveChangesAsync();
            }
            lock (order)
            {
                order.Add(name + " out");
            }
            return isNew;
        }

        // Act
        var results = await Task.WhenAll(Task.Run(() => StartAsync(a, "a")), Task.Run(() => StartAsync(b, "b")));

        // Assert: one found it new, the other waited for the lock (never inside at the same time) and found it migrated.
        Assert.Equal(1, results.Count(isNew => isNew));
        Assert.Equal(order[0][..1], order[1][..1]);
        await using var check = await a.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        var applied = (await check.Database.GetAppliedMigrationsAsync()).ToList();
        Assert.Equal(check.Database.GetMigrations(), applied);
        Assert.Equal(applied.Count, await check.Database.SqlQuery<int>($"SELECT COUNT(*)::int AS \"Value\" FROM \"__EFMigrationsHistory\"").SingleAsync());
        Assert.Equal("Sample", Assert.Single(await check.Workflows.ToListAsync()).Name);
    }

    [Fact]
    public async Task LockForStartAsync_PostgreSqlLockHeld_SecondWaitsUntilTheFirstReleases()
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSQL);
        await using var services = Services(database.Settings);
        var dbFactory = services.GetRequiredService<IDbContextFactory<StudioDbContext>>();
        var first = await StudioDatabase.LockForStartAsync(dbFactory);

        // Act
        var second = StudioDatabase.LockForStartAsync(dbFactory);
        await Eventually.WaitUntilAsync(() => WaitingForAdvisoryLockAsync(database.Settings), TimeSpan.FromSeconds(30), "the second start to wait on the lock");
        var heldWhileFirstHeld = second.IsCompleted;
        await first.DisposeAsync();
        await using var acquired = await second.WaitAsync(TimeSpan.FromSeconds(30));

        // Assert
        Assert.False(heldWhileFirstHeld);
    }

    [Fact]
    public void FromConfiguration_NothingSet_IsSqliteOnTheDefaultFileUnderTheBaseDirectory()
    {
        // Act
        var settings = StudioDatabaseSettings.FromConfiguration(Configuration([]), _root);

        // Assert
        Assert.Equal(DatabaseProvider.Sqlite, settings.Provider);
        Assert.Equal(Path.Combine(_root, "App_Data", "studio.db"), new SqliteConnectionStringBuilder(settings.ConnectionString).DataSource);
    }

    [Theory]
    [InlineData("PostgreSQL")]
    [InlineData("postgresql")]
    public void FromConfiguration_PostgreSqlWithConnectionString_IsPostgreSqlWithTheStringAsGiven(string provider)
    {
        // Act
        var settings = StudioDatabaseSettings.FromConfiguration(
            Configuration(new() { ["Database:Provider"] = provider, ["ConnectionStrings:Studio"] = "Host=db;Database=studio;Password=secret" }), _root);

        // Assert
        Assert.Equal(DatabaseProvider.PostgreSQL, settings.Provider);
        Assert.Equal("Host=db;Database=studio;Password=secret", settings.ConnectionString);
        Assert.DoesNotContain("secret", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_PostgreSqlWithoutConnectionString_StopsWithWhatToSet()
    {
        // Act
        var error = Assert.Throws<InvalidOperationException>(() =>
            StudioDatabaseSettings.FromConfiguration(Configuration(new() { ["Database:Provider"] = "PostgreSQL" }), _root));

        // Assert
        Assert.Contains("ConnectionStrings:Studio", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_UnknownProvider_StopsNamingTheKnownOnes()
    {
        // Act
        var error = Assert.Throws<InvalidOperationException>(() =>
            StudioDatabaseSettings.FromConfiguration(Configuration(new() { ["Database:Provider"] = "MySql" }), _root));

        // Assert
        Assert.Contains("'MySql'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Sqlite", error.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL", error.Message, StringComparison.Ordinal);
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

    private static ServiceProvider Services(StudioDatabaseSettings settings) =>
        new ServiceCollection().AddStudioPersistence(settings).BuildServiceProvider();

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    /// <summary>True when some session of the server waits for an advisory lock.</summary>
    private static async Task<bool> WaitingForAdvisoryLockAsync(StudioDatabaseSettings settings)
    {
        await using var connection = new Npgsql.NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", connection);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private static async Task<string?> JournalModeAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        return (string?)await command.ExecuteScalarAsync();
    }
}
