using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace WorkflowEngine.Persistence;

/// <summary>The database products the studio can keep its data in.</summary>
public enum DatabaseProvider
{
    /// <summary>One file beside the studio: the quick start, one instance.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server several instances can share.</summary>
    PostgreSQL,
}

/// <summary>
/// Which database the studio uses and how to reach it: <c>Database:Provider</c> (<see cref="DatabaseProvider"/>, default
/// <c>Sqlite</c>) with <c>ConnectionStrings:Studio</c>. Read and checked once at start; every context, the run recorder and the
/// start-up lock take the provider from here, so no other code parses it.
/// </summary>
public sealed record StudioDatabaseSettings
{
    public const string ProviderKey = "Database:Provider";
    public const string ConnectionStringName = "Studio";

    private StudioDatabaseSettings(DatabaseProvider provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
    }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    /// <summary>SQLite on <paramref name="connectionString"/> (taken as it is; see <see cref="FromConfiguration"/> for the default).</summary>
    public static StudioDatabaseSettings Sqlite(string connectionString) => new(DatabaseProvider.Sqlite, connectionString);

    /// <summary>PostgreSQL on an Npgsql connection string such as <c>Host=db;Database=studio;Username=studio;Password=…</c>.</summary>
    public static StudioDatabaseSettings PostgreSql(string connectionString) => new(DatabaseProvider.PostgreSQL, connectionString);

    /// <summary>Reads the provider and connection string. SQLite without a connection string uses
    /// <see cref="StudioDatabase.DefaultConnectionString"/>, and a relative file is made absolute under
    /// <paramref name="baseDirectory"/>. An unknown provider, or PostgreSQL without a connection string, stops the start with
    /// what to set.</summary>
    public static StudioDatabaseSettings FromConfiguration(IConfiguration configuration, string baseDirectory)
    {
        var configured = configuration[ProviderKey];
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(configured) || configured.Trim().Equals(nameof(DatabaseProvider.Sqlite), StringComparison.OrdinalIgnoreCase))
        {
            return Sqlite(StudioDatabase.ResolveConnectionString(connectionString, baseDirectory));
        }
        if (!configured.Trim().Equals(nameof(DatabaseProvider.PostgreSQL), StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"{ProviderKey} is '{configured}', which the studio does not know: use {nameof(DatabaseProvider.Sqlite)} (the default) or {nameof(DatabaseProvider.PostgreSQL)}.");
        }
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"{ProviderKey} is {nameof(DatabaseProvider.PostgreSQL)} but ConnectionStrings:{ConnectionStringName} is not set: set it to the server's " +
                "connection string, e.g. Host=db;Database=studio;Username=studio;Password=… (docs/deployment.md).");
        }
        return PostgreSql(connectionString);
    }

    /// <summary>Where files that belong with the data are kept (an older studio's Data Protection key ring, which the studio
    /// imports into the database at start): the SQLite file's folder (null for an in-memory database), or <c>App_Data</c> under
    /// <paramref name="baseDirectory"/> on PostgreSQL.</summary>
    public string? DataFolder(string baseDirectory) => Provider == DatabaseProvider.Sqlite
        ? StudioDatabase.DataFolder(ConnectionString)
        : Path.Combine(baseDirectory, "App_Data");

    /// <summary>Points <paramref name="builder"/> at this database; <paramref name="migrationsHistoryTable"/> names the history
    /// table of a context that shares the database with another (the accounts).</summary>
    public DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, string? migrationsHistoryTable = null) => Provider switch
    {
        DatabaseProvider.Sqlite => builder.UseSqlite(ConnectionString, o =>
        {
            if (migrationsHistoryTable is not null)
            {
                o.MigrationsHistoryTable(migrationsHistoryTable);
            }
        }),
        DatabaseProvider.PostgreSQL => builder.UseNpgsql(ConnectionString, o =>
        {
            if (migrationsHistoryTable is not null)
            {
                o.MigrationsHistoryTable(migrationsHistoryTable);
            }
        }),
        _ => throw new InvalidOperationException($"No database provider {Provider}."),
    };

    /// <summary>The provider only: the connection string may hold a password and this ends up in logs.</summary>
    public override string ToString() => Provider.ToString();
}
