using System.Globalization;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Hosting;

/// <summary>
/// <c>copy-database</c>: moves a studio from its SQLite file to PostgreSQL. Checks that the source is a studio database at this
/// version, applies the target's migrations through the studio's own start-up path and holds its start-up lock for the whole
/// copy (a studio starting meanwhile waits, then finds the database migrated and not new, so it seeds nothing), refuses a
/// target holding rows the source does not have (<see cref="DatabaseCopier.CheckTargetAsync"/>), then copies every table of
/// every studio context with <see cref="DatabaseCopier"/>. Rows whose key the target already holds are left as they are
/// there, so a second run copies nothing. Every failure the person running it can fix ends with one line on
/// standard error and a non-zero exit code.
/// </summary>
internal sealed class CopyDatabaseCommand(TextWriter output, TextWriter error, bool interactive)
{
    private readonly CopyProgressLine _progress = new(output, interactive);

    public const string Name = "copy-database";

    /// <summary>Exit codes: done, a copy that failed (message says why), a command line that cannot be understood.</summary>
    public const int Succeeded = 0, Failed = 1, Usage = 2;

    public const string Help = """
        Copies a studio's SQLite database into PostgreSQL: workflows and their versions, knowledge bases with documents, chunks
        and vectors, model providers (keys stay encrypted as they are), run keys, recorded runs and conversations, and the
        accounts. The target's tables are created (its migrations applied) first. Copy into a new, empty database, before any
        studio starts on it: a target holding rows of its own is refused. Rows already copied (same key) are left as they
        are, so running it again copies only what is new in the source. Stop the SQLite studio first.

        Usage: WorkflowStudio copy-database --from <sqlite> [--to <postgresql>] [--batch-size <rows>]

          --from <sqlite>      The studio's SQLite file (App_Data/studio.db) or a connection string (Data Source=…);
                               a relative path is taken from the current folder. Opened read-only.
          --to <postgresql>    An Npgsql connection string: Host=…;Database=…;Username=…;Password=…
                               Default: ConnectionStrings:Studio, when Database:Provider is PostgreSQL.
          --batch-size <rows>  Rows per insert (default 1000).
          --help               This text.

        The Data Protection key ring (which encrypts the model-provider keys and sign-in cookies) is in the database and is
        copied with the rest (docs/deployment.md, "Moving from SQLite to PostgreSQL").
        """;

    /// <summary>Runs the command on its arguments (those after its name) and returns the exit code.</summary>
    /// <param name="configuration">The studio's configuration, where the target comes from without <c>--to</c>.</param>
    public async Task<int> RunAsync(IReadOnlyList<string> args, IConfiguration configuration, string contentRoot, CancellationToken cancellationToken = default)
    {
        if (!CopyDatabaseOptions.TryParse(args, out var options, out var problem))
        {
            error.WriteLine($"{Name}: {problem} ({Name} --help shows the options)");
            return Usage;
        }
        if (options.Help)
        {
            output.WriteLine(Help);
            return Succeeded;
        }
        try
        {
            var source = SourceDatabase(options.From!);
            var target = TargetDatabase(options.To, configuration, contentRoot);
            await CopyAsync(source, target, options.BatchSize, cancellationToken);
            return Succeeded;
        }
        catch (Exception e) when (Explain(e) is { } message)
        {
            _progress.End();
            error.WriteLine($"{Name}: {message}");
            return Failed;
        }
    }

    private async Task CopyAsync(StudioDatabaseSettings source, StudioDatabaseSettings target, int batchSize, CancellationToken cancellationToken)
    {
        await using var sourceServices = Services(source);
        await using var targetServices = Services(target);
        await using var sourceScope = sourceServices.CreateAsyncScope();
        await using var targetScope = targetServices.CreateAsyncScope();
        var sources = Contexts(sourceScope.ServiceProvider);
        await CheckSourceAsync(sources, DataSource(source), cancellationToken);

        output.WriteLine($"Copying {DataSource(source)} to {Describe(target)}.");
        var results = new List<TableCopyResult>();
        await using (await StudioDatabase.LockForStartAsync(targetServices.GetRequiredService<IDbContextFactory<StudioDbContext>>(), cancellationToken))
        {
            var targets = Contexts(targetScope.ServiceProvider);
            foreach (var db in targets)
            {
                await StudioDatabase.MigrateAsync(db, cancellationToken);
            }
            foreach (var (from, to) in sources.Zip(targets))
            {
                await DatabaseCopier.CheckTargetAsync(from, to, cancellationToken);
            }
            foreach (var (from, to) in sources.Zip(targets))
            {
                results.AddRange(await DatabaseCopier.CopyAsync(from, to, _progress, batchSize, cancellationToken));
            }
        }
        var copied = results.Sum(r => r.Copied);
        var already = results.Sum(r => r.AlreadyThere);
        output.WriteLine(copied == 0 && already > 0
            ? $"Nothing copied: all {already.ToString("N0", CultureInfo.InvariantCulture)} rows were already in the target (copied before)."
            : $"Copied {copied.ToString("N0", CultureInfo.InvariantCulture)} rows into {results.Count(r => r.Copied > 0)} tables" +
              (already > 0 ? $"; {already.ToString("N0", CultureInfo.InvariantCulture)} were already there and left as they are." : "."));
        if (!await sourceScope.ServiceProvider.GetRequiredService<AccountsDbContext>().DataProtectionKeys.AnyAsync(cancellationToken))
        {
            // A ring still in a folder is imported into the file by the first start of this version, which the source check asks for.
            output.WriteLine("The source holds no Data Protection key, so model-provider keys stored in it cannot be decrypted on " +
                "PostgreSQL: if a keys folder sits beside the SQLite file, start this version of the studio on the file once (it " +
                "imports the folder), stop it, and run the copy again (docs/deployment.md).");
        }
    }

    /// <summary>The studio's contexts on one database, principal data first: every table the studio keeps is in one of them.</summary>
    private static IReadOnlyList<DbContext> Contexts(IServiceProvider scope) =>
    [
        scope.GetRequiredService<StudioDbContext>(),
        scope.GetRequiredService<AccountsDbContext>(),
    ];

    /// <summary>The contexts registered as the studio registers them (its provider's context types and migrations), with no
    /// logging: EF Core's own error logs would repeat, with stack traces, what the command says in one line.</summary>
    private static ServiceProvider Services(StudioDatabaseSettings database)
    {
        var services = new ServiceCollection().AddStudioPersistence(database).AddAccountsDatabase(database);
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContext());
        return services.BuildServiceProvider();
    }

    /// <summary>Refuses a file that is no studio database, or one whose studio is older or newer than this one (its tables
    /// would not match the model the copy reads them with).</summary>
    private static async Task CheckSourceAsync(IReadOnlyList<DbContext> contexts, string file, CancellationToken cancellationToken)
    {
        foreach (var db in contexts)
        {
            var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
            var known = db.Database.GetMigrations().ToList();
            if (applied.Count == 0)
            {
                throw new DatabaseCopyException($"{file} is not a studio database (it has no {db.GetType().Name} migrations).");
            }
            if (applied.Except(known).Any())
            {
                throw new DatabaseCopyException($"{file} was last used by a newer studio (migration {applied.Except(known).First()}): copy it with that version.");
            }
            if (known.Except(applied).Any())
            {
                throw new DatabaseCopyException($"{file} was last used by an older studio: start this version of the studio on it once " +
                    "(it upgrades the file at start), stop it, then copy.");
            }
        }
    }

    private static StudioDatabaseSettings SourceDatabase(string from)
    {
        SqliteConnectionStringBuilder builder;
        try
        {
            builder = from.Contains('=') ? new SqliteConnectionStringBuilder(from) : new SqliteConnectionStringBuilder { DataSource = from };
        }
        catch (ArgumentException e)
        {
            throw new DatabaseCopyException($"--from is neither a file nor a SQLite connection string: {e.Message}", e);
        }
        if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:")
        {
            throw new DatabaseCopyException("--from names no file: give the studio's SQLite file, e.g. App_Data/studio.db.");
        }
        builder.DataSource = Path.GetFullPath(builder.DataSource);
        if (!File.Exists(builder.DataSource))
        {
            throw new DatabaseCopyException($"The source database {builder.DataSource} does not exist.");
        }
        // Read-only: the copy never changes the studio it moves away from. No pooling: the file is closed when the copy ends.
        builder.Mode = SqliteOpenMode.ReadOnly;
        builder.Pooling = false;
        return StudioDatabaseSettings.Sqlite(builder.ToString());
    }

    private static StudioDatabaseSettings TargetDatabase(string? to, IConfiguration configuration, string contentRoot)
    {
        if (to is null)
        {
            StudioDatabaseSettings configured;
            try
            {
                configured = StudioDatabaseSettings.FromConfiguration(configuration, contentRoot);
            }
            catch (InvalidOperationException e)
            {
                throw new DatabaseCopyException(e.Message, e);
            }
            if (configured.Provider != DatabaseProvider.PostgreSQL)
            {
                throw new DatabaseCopyException($"No target: pass --to with a PostgreSQL connection string, or set {StudioDatabaseSettings.ProviderKey}=PostgreSQL " +
                    $"and ConnectionStrings:{StudioDatabaseSettings.ConnectionStringName}.");
            }
            to = configured.ConnectionString;
        }
        try
        {
            if (string.IsNullOrWhiteSpace(new NpgsqlConnectionStringBuilder(to).Host))
            {
                throw new DatabaseCopyException("The target connection string names no Host: Host=…;Database=…;Username=…;Password=…");
            }
        }
        catch (ArgumentException e)
        {
            throw new DatabaseCopyException($"The target is not a PostgreSQL connection string: {e.Message}", e);
        }
        return StudioDatabaseSettings.PostgreSql(to);
    }

    /// <summary>One line for what the person running the command can act on; null for a fault of the command itself, which
    /// keeps its stack trace.</summary>
    private static string? Explain(Exception e) => e switch
    {
        DatabaseCopyException => e.Message,
        // EF Core's execution strategy wraps a failed connection in its own exception.
        InvalidOperationException { InnerException: NpgsqlException inner } => Explain(inner),
        OperationCanceledException => "Stopped before the end; run it again to copy the rest.",
        SqliteException { SqliteErrorCode: 26 } => "The source is not a studio database (not a SQLite file).",
        SqliteException sqlite => $"The source database cannot be read: {sqlite.Message}",
        PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } pg =>
            $"PostgreSQL refused the sign-in: {pg.MessageText}. Check Username and Password in the target connection string.",
        PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } pg =>
            $"{pg.MessageText} on the target server: create it first (CREATE DATABASE … OWNER …).",
        PostgresException pg => $"PostgreSQL: {pg.MessageText} ({pg.SqlState}).",
        NpgsqlException { InnerException: SocketException or TimeoutException or IOException } npgsql =>
            $"The target PostgreSQL server cannot be reached: {npgsql.InnerException!.Message}",
        NpgsqlException npgsql => $"PostgreSQL: {npgsql.Message}",
        _ => null,
    };

    private static string DataSource(StudioDatabaseSettings sqlite) => new SqliteConnectionStringBuilder(sqlite.ConnectionString).DataSource;

    /// <summary>Server, port, database and user: never the password.</summary>
    private static string Describe(StudioDatabaseSettings postgres)
    {
        var builder = new NpgsqlConnectionStringBuilder(postgres.ConnectionString);
        return $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database ?? builder.Username} as {builder.Username}";
    }

}
