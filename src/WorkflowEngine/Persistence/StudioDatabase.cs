using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace WorkflowEngine.Persistence;

/// <summary>Opens the studio's SQLite file: resolves where it lives, creates its folder, applies migrations and turns on WAL.</summary>
public static class StudioDatabase
{
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
    /// (the Data Protection key ring) are kept.</summary>
    public static string? DataFolder(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        return IsFile(builder.DataSource, builder.Mode) ? Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) : null;
    }

    /// <summary>Creates the folder, applies pending migrations and switches the file to WAL (readers never block the writer).
    /// Returns true when the database was new, i.e. had no migration applied before: the moment to seed sample content.</summary>
    public static async Task<bool> MigrateAsync(StudioDbContext db, CancellationToken cancellationToken = default)
    {
        var builder = new SqliteConnectionStringBuilder(db.Database.GetConnectionString());
        if (IsFile(builder.DataSource, builder.Mode) && Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }
        var applied = await db.Database.GetAppliedMigrationsAsync(cancellationToken);
        var isNew = !applied.Any();
        await db.Database.MigrateAsync(cancellationToken);
        if (IsFile(builder.DataSource, builder.Mode))
        {
            // WAL is a property of the file: set once, it stays on for every later connection.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        return isNew;
    }

    private static bool IsFile(string dataSource, SqliteOpenMode mode) =>
        mode != SqliteOpenMode.Memory && !string.IsNullOrEmpty(dataSource) && dataSource != ":memory:";
}
