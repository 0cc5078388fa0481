using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace WorkflowEngine.Persistence;

/// <summary>Opens the studio's database: resolves where a SQLite file lives, creates its folder, applies migrations, turns on
/// WAL for SQLite, and serializes start-up work between instances sharing a PostgreSQL database.</summary>
public static class StudioDatabase
{
    /// <summary>The PostgreSQL advisory lock key held while an instance migrates and seeds: "WFStudio" in ASCII, a number
    /// no other application on the server is likely to use.</summary>
    public const long StartLockKey = 0x574653747564696F;

    /// <summary>Used when <c>ConnectionStrings:Studio</c> is not set.</summary>
    public const string DefaultConnectionString = "Data Source=App_Data/studio.db";

    /// <summary>Makes a relative <c>Data Source</c> absolute under <paramref name="baseDirectory"/>, so the file does not move
    /// with the current directory of whoever starts the process.</summary>
    public static string ResolveConnectionString(string? connectionString, string baseDirectory)
    {
        var builder = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(connectionString) ? DefaultConnectionString : connectionString);
        if (IsFile(builder.DataSource, builder.Mode) && !Path.IsPathRooted(builder.DataSource))
        {
            builder.DataSource = Path.GetFullPath(Path.Combine(baseDirectory, builder.DataSource));
        }
        return builder.ToString();
    }

    /// <summary>The folder holding the database file, or null for an in-memory database: where files that belong with the data
    /// (an older studio's Data Protection key ring) are kept.</summary>
    public static string? DataFolder(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        return IsFile(builder.DataSource, builder.Mode) ? Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) : null;
    }

    /// <summary>Applies pending migrations (the provider's own set: the context's type carries it) and, for a SQLite file,
    /// creates its folder first and switches it to WAL (readers never block the writer). Returns true when the database was
    /// new, i.e. had no migration applied before: the moment to seed sample content. Call it inside <see cref="LockForStartAsync"/>
    /// so that of several instances starting on one database only the first finds it new.</summary>
    public static async Task<bool> MigrateAsync(DbContext db, CancellationToken cancellationToken = default)
    {
        var file = db.Database.IsSqlite() ? SqliteFile(db.Database.GetConnectionString()) : null;
        if (file is not null && Path.GetDirectoryName(file) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }
        if (db.Database.IsNpgsql())
        {
            // Npgsql reads the history table without asking whether it exists (and catches the failure), and on a new database
            // EF Core logs that failed query as an error; creating the empty table first (IF NOT EXISTS) keeps the first start
            // as quiet as every other.
            var history = db.GetService<IHistoryRepository>();
            await db.Database.ExecuteSqlRawAsync(history.GetCreateIfNotExistsScript(), cancellationToken);
        }
        var applied = await db.Database.GetAppliedMigrationsAsync(cancellationToken);
        var isNew = !applied.Any();
        await db.Database.MigrateAsync(cancellationToken);
        if (file is not null)
        {
            // WAL is a property of the file: set once, it stays on for every later connection.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        return isNew;
    }

    /// <summary>
    /// Holds the database's start-up lock until disposed. On PostgreSQL that is a session-level advisory lock
    /// (<c>pg_advisory_lock</c>, <see cref="StartLockKey"/>) on a connection of its own: when several instances start at once, one
    /// migrates and seeds while the others wait here, and then find the database migrated and not new. The lock goes with the
    /// session, so an instance that dies while holding it frees it. On SQLite it is nothing: one instance owns the file, and
    /// EF Core's own migration lock covers the rest.
    /// </summary>
    public static async Task<IAsyncDisposable> LockForStartAsync(IDbContextFactory<StudioDbContext> dbFactory, CancellationToken cancellationToken = default)
    {
        var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!db.Database.IsNpgsql())
        {
            await db.DisposeAsync();
            return NoLock.Instance;
        }
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({StartLockKey})", cancellationToken);
            return new AdvisoryLock(db);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>The SQLite file's full path, or null for an in-memory database.</summary>
    private static string? SqliteFile(string? connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        return IsFile(builder.DataSource, builder.Mode) ? Path.GetFullPath(builder.DataSource) : null;
    }

    private sealed class AdvisoryLock(StudioDbContext db) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                // Explicitly: a pooled connection keeps its session, and with it the lock, after it is closed.
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({StartLockKey})");
            }
            finally
            {
                await db.DisposeAsync();
            }
        }
    }

    private sealed class NoLock : IAsyncDisposable
    {
        public static readonly NoLock Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static bool IsFile(string dataSource, SqliteOpenMode mode) =>
        mode != SqliteOpenMode.Memory && !string.IsNullOrEmpty(dataSource) && dataSource != ":memory:";
}
