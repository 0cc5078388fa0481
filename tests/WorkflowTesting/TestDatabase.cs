using System.Reflection;
using Microsoft.Data.Sqlite;
using WorkflowEngine.Persistence;
using Xunit.Sdk;

namespace WorkflowTesting;

/// <summary>
/// An empty studio database for one test on either provider: a SQLite file in a temporary folder, or a database of its own on
/// the test run's <see cref="PostgresServer"/>. Disposing deletes it. Store and repository tests take the provider as theory
/// data (<see cref="BothDatabasesAttribute"/>) so the same test runs on both.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _folder;
    private readonly PostgresDatabase? _postgres;

    private TestDatabase(StudioDatabaseSettings settings, string? folder, PostgresDatabase? postgres)
    {
        Settings = settings;
        _folder = folder;
        _postgres = postgres;
    }

    public StudioDatabaseSettings Settings { get; }

    public DatabaseProvider Provider => Settings.Provider;

    /// <summary>The studio's configuration for this database (<c>Database:Provider</c>, <c>ConnectionStrings:Studio</c>), e.g.
    /// for <see cref="StudioServer.StartAsync"/>.</summary>
    public IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>
    {
        [StudioDatabaseSettings.ProviderKey] = Provider.ToString(),
        ["ConnectionStrings:" + StudioDatabaseSettings.ConnectionStringName] = Settings.ConnectionString,
    };

    /// <param name="sqliteOptions">Extra SQLite connection string keywords, e.g. <c>Pooling=False</c>.</param>
    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, string sqliteOptions = "")
    {
        if (provider == DatabaseProvider.PostgreSQL)
        {
            var database = await PostgresServer.CreateDatabaseAsync();
            return new TestDatabase(StudioDatabaseSettings.PostgreSql(database.ConnectionString), null, database);
        }
        var folder = Directory.CreateTempSubdirectory("studio-db-").FullName;
        var connectionString = $"Data Source={Path.Combine(folder, "studio.db")}" + (sqliteOptions.Length > 0 ? ";" + sqliteOptions : "");
        return new TestDatabase(StudioDatabaseSettings.Sqlite(connectionString), folder, null);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
        if (_folder is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A file still open somewhere; the temp folder is cleaned by the OS eventually.
            }
        }
    }
}

/// <summary>Theory data: the test runs once on SQLite and once on PostgreSQL.</summary>
public sealed class BothDatabasesAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) =>
        [[DatabaseProvider.Sqlite], [DatabaseProvider.PostgreSQL]];
}
