using System.Data.Common;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.Options;
using WorkflowEngine.Execution;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Runs;

/// <summary>
/// Stores finished runs, one RunEntity row each with the trace as JSON, and keeps only the newest
/// <see cref="RunOptions.KeepPerWorkflow"/> runs per workflow. The row is all there is of a run: its question and answer are
/// also its conversation's stored turns (<see cref="RunHistory.ConversationAsync"/>), so pruning a run prunes them too.
/// One background writer takes runs from a queue and saves whatever has queued up in one transaction: SQLite has one writer
/// anyway, and under load (the API at thousands of runs/s) one commit per batch instead of per run keeps recording off the
/// request's critical path (on PostgreSQL as well).
/// <para>Nothing is dropped: the queue is bounded (<see cref="RunOptions.QueueCapacity"/>) and a finishing run waits for room
/// when it is full (backpressure on the runs rather than memory without end); a batch that fails because the database is busy,
/// locked or unavailable is tried again, with growing pauses, until it is stored. A batch that fails for another reason is
/// stored run by run, so one bad run cannot take the others with it. Disposing stores what is queued, retrying for at most
/// <see cref="RunOptions.ShutdownDrainSeconds"/>.</para>
/// </summary>
public sealed class RunRecorder : IAsyncDisposable
{
    internal static readonly JsonSerializerOptions TraceJson = new(JsonSerializerDefaults.Web)
    {
        // Stored, never pasted into HTML: text as it is, not \uXXXX.
        Encoder = JsonStrings.Encoder,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        // Generated code instead of reflection, for reading stored traces; runs write theirs through SerializeTrace.
        TypeInfoResolver = RunTraceJsonContext.Default,
    };

    private const int MaxBatch = 256;
    // Runs finishing within this moment are stored in one transaction: at one run at a time (one API client asking in a
    // loop) a commit per run cost its answer about half a millisecond on two cores (docs/benchmarks.md, "HTTP API").
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);
    private static readonly DateTimeOffsetToBinaryConverter Dates = new();
    private readonly Channel<Pending> _queue;
    private readonly CancellationTokenSource _giveUp = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly IDbContextFactory<StudioDbContext> _dbFactory;
    private readonly IOptions<RunOptions> _options;
    private readonly ILogger<RunRecorder> _logger;
    private readonly Task _writer;
    private Statements? _statements;

    public RunRecorder(IDbContextFactory<StudioDbContext> dbFactory, IOptions<RunOptions> options, ILogger<RunRecorder> logger)
    {
        _dbFactory = dbFactory;
        _options = options;
        _logger = logger;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues the run (waiting while the queue is full); the task ends when it is stored (faults if it never could be).</summary>
    /// <param name="startedBy">Who asked (<see cref="Accounts.Actors"/>).</param>
    public async Task RecordAsync(CompletedRun run, string source, string workflowName, string? startedBy = null, CancellationToken cancellationToken = default)
    {
        var stored = await QueueAsync(run, source, workflowName, startedBy, cancellationToken).ConfigureAwait(false);
        await stored.ConfigureAwait(false);
    }

    /// <summary>Queues the run, waiting while the queue is full; the returned task ends when the run is stored (faults if it
    /// never could be).</summary>
    public async ValueTask<Task> QueueAsync(CompletedRun run, string source, string workflowName, string? startedBy = null, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await EnqueueAsync(new Pending(ToEntity(run, source, workflowName, startedBy), done, FaultsOnFailure: true), cancellationToken).ConfigureAwait(false);
        return done.Task;
    }

    /// <summary>Queues the run, waiting while the queue is full, so a database that falls behind slows the runs down instead of
    /// losing them. <paramref name="recorded"/> is settled once the run is stored or storing it failed (logged here), so it never
    /// faults and nobody needs to watch it. For the run service: a watcher per run was a thread-pool hop per answer.</summary>
    internal ValueTask QueueAsync(CompletedRun run, string source, string workflowName, string? startedBy, TaskCompletionSource recorded) =>
        EnqueueAsync(new Pending(ToEntity(run, source, workflowName, startedBy), recorded, FaultsOnFailure: false), CancellationToken.None);

    private async ValueTask EnqueueAsync(Pending pending, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            Fail(pending, new InvalidOperationException("The studio is shutting down; the run was not recorded."));
        }
    }

    private void Fail(Pending pending, Exception exception)
    {
        if (pending.FaultsOnFailure)
        {
            pending.Done.TrySetException(exception);
            return;
        }
        Log.RunRecordFailed(_logger, exception, pending.Run.Id);
        pending.Done.TrySetResult();
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (!_stopping.IsCancellationRequested && _queue.Reader.Count < MaxBatch)
            {
                await Task.Delay(Gather, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            await StoreAsync(batch).ConfigureAwait(false);
            batch.Clear();
        }
    }

    /// <summary>Stores the batch, retrying while the database is unavailable; settles every run's task.</summary>
    private async Task StoreAsync(List<Pending> batch)
    {
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SaveAsync(batch).ConfigureAwait(false);
                batch.ForEach(p => p.Done.TrySetResult());
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && !_giveUp.IsCancellationRequested)
            {
                Log.RunBatchRetrying(_logger, ex, batch.Count, attempt, delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, _giveUp.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Shutting down and out of time: one last attempt, then the runs fail.
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
            catch (Exception ex) when (!IsTransient(ex) && batch.Count > 1)
            {
                // Something in the data, not the database: store the runs one by one so only the culprit fails.
                foreach (var single in batch)
                {
                    await StoreAsync([single]).ConfigureAwait(false);
                }
                return;
            }
            catch (Exception ex)
            {
                Log.RunBatchFailed(_logger, ex, batch.Count);
                batch.ForEach(p => Fail(p, ex));
                return;
            }
        }
    }

    /// <summary>The database is busy, locked, full or cannot be opened or written right now: worth trying again later.</summary>
    private static bool IsTransient(Exception ex) =>
        ex is SqliteException { SqliteErrorCode: 5 or 6 or 10 or 13 or 14 } // BUSY, LOCKED, IOERR, FULL, CANTOPEN
        || ex is DbException { IsTransient: true } // what the provider says of itself (Npgsql: connection lost, server shutting down ...)
        || ex is IOException or TimeoutException;

    private async Task SaveAsync(List<Pending> batch)
    {
        // Plain prepared statements on one long-lived connection instead of EF Core: at API load, change tracking and SQL
        // generation took about a seventh of the studio's CPU, and a fresh connection and commands per batch re-prepared the
        // statements every time (bench/ApiLoad, docs/benchmarks.md "HTTP API"). Columns as in the migrations; dates through
        // the same converter the model uses. The same ADO.NET code serves both providers.
        var statements = _statements ??= await Statements.OpenAsync(_dbFactory).ConfigureAwait(false);
        try
        {
            await using var transaction = await statements.Connection.BeginTransactionAsync().ConfigureAwait(false);
            statements.Enlist(transaction);
            foreach (var p in batch)
            {
                var run = p.Run;
                object?[] values = [run.Id, run.WorkflowId, run.WorkflowName, run.ConversationId, run.Source, run.Query, run.Answer, run.Status, run.Error,
                    Dates.ConvertToProvider(run.StartedAt), run.ElapsedMs, run.CacheHits, run.NodeCount, run.SavedMs, run.TraceJson, run.StartedBy];
                await statements.ExecuteAsync(statements.InsertRun, values).ConfigureAwait(false);
            }
            var keep = _options.Value.KeepPerWorkflow;
            foreach (var workflowId in batch.Select(p => p.Run.WorkflowId).Distinct(StringComparer.Ordinal))
            {
                // Uses the (WorkflowId, StartedAt) index; deletes nothing until the workflow has more than `keep` runs.
                await statements.ExecuteAsync(statements.Prune, [workflowId, keep]).ConfigureAwait(false);
            }
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        catch
        {
            // A broken connection is opened afresh for the next batch.
            _statements = null;
            await statements.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The recorder's own connection and its two statements, used by the writer loop only. The connection comes
    /// from the provider's own ADO.NET factory (SQLite or Npgsql); both read <c>@name</c> parameters, so only the prune, which
    /// needs SQLite's <c>LIMIT -1</c> for "no limit", differs.</summary>
    private sealed class Statements : IAsyncDisposable
    {
        private Statements(DbConnection connection, bool isSqlite)
        {
            Connection = connection;
            InsertRun = Prepare("""
                INSERT INTO "Runs" ("Id", "WorkflowId", "WorkflowName", "ConversationId", "Source", "Query", "Answer", "Status", "Error",
                                    "StartedAt", "ElapsedMs", "CacheHits", "NodeCount", "SavedMs", "TraceJson", "StartedBy")
                VALUES (@id, @workflowId, @workflowName, @conversationId, @source, @query, @answer, @status, @error,
                        @startedAt, @elapsedMs, @cacheHits, @nodeCount, @savedMs, @traceJson, @startedBy)
                """, "@id", "@workflowId", "@workflowName", "@conversationId", "@source", "@query", "@answer", "@status", "@error",
                "@startedAt", "@elapsedMs", "@cacheHits", "@nodeCount", "@savedMs", "@traceJson", "@startedBy");
            // What EF Core's ExecuteDelete made of Runs.Where(WorkflowId).OrderByDescending(StartedAt).ThenByDescending(Id).Skip(keep).
            var beyondKept = isSqlite ? "LIMIT -1 OFFSET @keep" : "OFFSET @keep";
            Prune = Prepare($"""
                DELETE FROM "Runs" WHERE "Id" IN (
                    SELECT "Id" FROM "Runs" WHERE "WorkflowId" = @workflowId ORDER BY "StartedAt" DESC, "Id" DESC {beyondKept})
                """, "@workflowId", "@keep");
        }

        public DbConnection Connection { get; }

        public DbCommand InsertRun { get; }

        public DbCommand Prune { get; }

        public static async Task<Statements> OpenAsync(IDbContextFactory<StudioDbContext> dbFactory)
        {
            DbConnection connection;
            bool isSqlite;
            await using (var db = await dbFactory.CreateDbContextAsync().ConfigureAwait(false))
            {
                var factory = DbProviderFactories.GetFactory(db.Database.GetDbConnection())
                    ?? throw new InvalidOperationException("The studio database's provider has no ADO.NET factory.");
                connection = factory.CreateConnection()
                    ?? throw new InvalidOperationException("The studio database's provider cannot create a connection.");
                connection.ConnectionString = db.Database.GetConnectionString()
                    ?? throw new InvalidOperationException("The studio database has no connection string.");
                isSqlite = db.Database.IsSqlite();
            }
            await connection.OpenAsync().ConfigureAwait(false);
            if (isSqlite)
            {
                // This connection only: with WAL, NORMAL waits for the disk at checkpoints instead of at every commit. A crash
                // of the studio loses nothing; a power cut can lose the last batches of run history, never the database's consistency.
                await using var pragma = connection.CreateCommand();
                pragma.CommandText = "PRAGMA synchronous=NORMAL";
                await pragma.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            return new Statements(connection, isSqlite);
        }

        public void Enlist(DbTransaction transaction)
        {
            InsertRun.Transaction = transaction;
            Prune.Transaction = transaction;
        }

        public async Task ExecuteAsync(DbCommand command, object?[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await InsertRun.DisposeAsync().ConfigureAwait(false);
            await Prune.DisposeAsync().ConfigureAwait(false);
            await Connection.DisposeAsync().ConfigureAwait(false);
        }

        /// <param name="parameters">Named as in the SQL, with the <c>@</c>: Microsoft.Data.Sqlite finds such a name at once, but
        /// one without the prefix only after a failed lookup and one more per prefix, for every parameter of every run. Npgsql
        /// takes the name without the prefix.</param>
        private DbCommand Prepare(string sql, params string[] parameters)
        {
            var command = Connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }
            return command;
        }
    }

    private static RunEntity ToEntity(CompletedRun run, string source, string workflowName, string? startedBy) => new()
    {
        Id = run.RunId,
        WorkflowId = run.WorkflowId,
        WorkflowName = workflowName,
        ConversationId = run.ConversationId,
        Source = source,
        Query = run.Query,
        Answer = run.Answer,
        Status = run.Status,
        Error = run.Error,
        StartedAt = run.StartedAt,
        StartedBy = startedBy,
        ElapsedMs = run.ElapsedMs,
        CacheHits = run.CacheHits,
        NodeCount = run.Trace.Count(t => t.Status != RunTraceEntry.Skipped),
        SavedMs = run.SavedMs,
        TraceJson = SerializeTrace(run.Trace),
    };

    /// <summary>The trace as <see cref="TraceJson"/> writes it. Each entry goes through the generated code's fast path, which
    /// serializer options with an encoder never take; the writer brings the encoder instead (property names are ASCII, so
    /// they read the same). About a third less than serializing through <see cref="TraceJson"/>, on every run's own flow.</summary>
    internal static string SerializeTrace(IReadOnlyList<RunTraceEntry> trace) =>
        ScratchJson.Write(trace, static (writer, trace) =>
        {
            writer.WriteStartArray();
            foreach (var entry in trace)
            {
                JsonSerializer.Serialize(writer, entry, RunTraceJsonContext.Default.RunTraceEntry);
            }
            writer.WriteEndArray();
        }, static (utf8, _) => System.Text.Encoding.UTF8.GetString(utf8));

    /// <summary>Stores what is still queued, then stops; runs the database refuses for longer than
    /// <see cref="RunOptions.ShutdownDrainSeconds"/> fail (and are logged) instead of holding the shutdown up for ever.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_queue.Writer.TryComplete())
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            _giveUp.CancelAfter(TimeSpan.FromSeconds(_options.Value.ShutdownDrainSeconds));
        }
        await _writer.ConfigureAwait(false);
        if (_statements is { } statements)
        {
            _statements = null;
            await statements.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <param name="Done">Settled when the run is stored; on failure faulted, or (for the run service) settled all the same.</param>
    private sealed record Pending(RunEntity Run, TaskCompletionSource Done, bool FaultsOnFailure);
}

/// <summary>The stored trace's JSON, generated at build time (<see cref="RunRecorder.TraceJson"/> adds the encoder).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<RunTraceEntry>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<RunTraceEntry>))]
internal sealed partial class RunTraceJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
