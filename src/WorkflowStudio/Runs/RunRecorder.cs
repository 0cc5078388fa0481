using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.Options;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Runs;

/// <summary>
/// Stores finished runs (RunEntity with the trace as JSON, plus the question and answer as ChatMessageEntity rows) and keeps
/// only the newest <see cref="RunOptions.KeepPerWorkflow"/> runs per workflow. One background writer takes runs from a queue
/// and saves whatever has queued up in one transaction: SQLite has one writer anyway, and under load (the API at thousands of
/// runs/s) one commit per batch instead of per run keeps recording off the request's critical path.
/// </summary>
public sealed class RunRecorder : IAsyncDisposable
{
    internal static readonly JsonSerializerOptions TraceJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private const int MaxBatch = 256;
    private static readonly DateTimeOffsetToBinaryConverter Dates = new();
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
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
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues the run; the task ends when it is stored (faults if storing failed).</summary>
    /// <param name="startedBy">Who asked (<see cref="Accounts.Actors"/>).</param>
    public Task RecordAsync(CompletedRun run, string source, string workflowName, string? startedBy = null)
    {
        var pending = new Pending(ToEntity(run, source, workflowName, startedBy), ToMessages(run), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            pending.Done.TrySetException(new InvalidOperationException("The studio is shutting down; the run was not recorded."));
        }
        return pending.Done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            try
            {
                await SaveAsync(batch).ConfigureAwait(false);
                batch.ForEach(p => p.Done.TrySetResult());
            }
            catch (Exception ex)
            {
                Log.RunBatchFailed(_logger, ex, batch.Count);
                batch.ForEach(p => p.Done.TrySetException(ex));
            }
            batch.Clear();
        }
    }

    private async Task SaveAsync(List<Pending> batch)
    {
        // Plain prepared statements on one long-lived connection instead of EF Core: at API load, change tracking and SQL
        // generation for three rows per run took about a seventh of the studio's CPU, and a fresh connection and commands per
        // batch re-prepared the statements every time (bench/ApiLoad, docs/benchmarks.md "HTTP API"). Columns as in the
        // migrations; dates through the same converter the model uses.
        var statements = _statements ??= await Statements.OpenAsync(_dbFactory).ConfigureAwait(false);
        try
        {
            await using var transaction = (SqliteTransaction)await statements.Connection.BeginTransactionAsync().ConfigureAwait(false);
            statements.Enlist(transaction);
            foreach (var p in batch)
            {
                var run = p.Run;
                object?[] values = [run.Id, run.WorkflowId, run.WorkflowName, run.ConversationId, run.Source, run.Query, run.Answer, run.Status, run.Error,
                    Dates.ConvertToProvider(run.StartedAt), run.ElapsedMs, run.CacheHits, run.NodeCount, run.SavedMs, run.TraceJson, run.StartedBy];
                await statements.ExecuteAsync(statements.InsertRun, values).ConfigureAwait(false);
                foreach (var m in p.Messages)
                {
                    await statements.ExecuteAsync(statements.InsertMessage,
                        [m.ConversationId, m.WorkflowId, m.Role, m.Text, m.RunId, Dates.ConvertToProvider(m.CreatedAt)]).ConfigureAwait(false);
                }
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

    /// <summary>The recorder's own connection and its three prepared statements, used by the writer loop only.</summary>
    private sealed class Statements : IAsyncDisposable
    {
        private Statements(SqliteConnection connection)
        {
            Connection = connection;
            InsertRun = Prepare("""
                INSERT INTO "Runs" ("Id", "WorkflowId", "WorkflowName", "ConversationId", "Source", "Query", "Answer", "Status", "Error",
                                    "StartedAt", "ElapsedMs", "CacheHits", "NodeCount", "SavedMs", "TraceJson", "StartedBy")
                VALUES ($id, $workflowId, $workflowName, $conversationId, $source, $query, $answer, $status, $error,
                        $startedAt, $elapsedMs, $cacheHits, $nodeCount, $savedMs, $traceJson, $startedBy)
                """, "$id", "$workflowId", "$workflowName", "$conversationId", "$source", "$query", "$answer", "$status", "$error",
                "$startedAt", "$elapsedMs", "$cacheHits", "$nodeCount", "$savedMs", "$traceJson", "$startedBy");
            InsertMessage = Prepare("""
                INSERT INTO "ChatMessages" ("ConversationId", "WorkflowId", "Role", "Text", "RunId", "CreatedAt")
                VALUES ($conversationId, $workflowId, $role, $text, $runId, $createdAt)
                """, "$conversationId", "$workflowId", "$role", "$text", "$runId", "$createdAt");
            // What EF Core's ExecuteDelete made of Runs.Where(WorkflowId).OrderByDescending(StartedAt).ThenByDescending(Id).Skip(keep);
            // the conversation messages those runs wrote go with them, so neither table grows without end.
            Prune = Prepare("""
                DELETE FROM "ChatMessages" WHERE "RunId" IN (
                    SELECT "Id" FROM "Runs" WHERE "WorkflowId" = $workflowId ORDER BY "StartedAt" DESC, "Id" DESC LIMIT -1 OFFSET $keep);
                DELETE FROM "Runs" WHERE "Id" IN (
                    SELECT "Id" FROM "Runs" WHERE "WorkflowId" = $workflowId ORDER BY "StartedAt" DESC, "Id" DESC LIMIT -1 OFFSET $keep)
                """, "$workflowId", "$keep");
        }

        public SqliteConnection Connection { get; }

        public SqliteCommand InsertRun { get; }

        public SqliteCommand InsertMessage { get; }

        public SqliteCommand Prune { get; }

        public static async Task<Statements> OpenAsync(IDbContextFactory<StudioDbContext> dbFactory)
        {
            string connectionString;
            await using (var db = await dbFactory.CreateDbContextAsync().ConfigureAwait(false))
            {
                connectionString = db.Database.GetConnectionString()
                    ?? throw new InvalidOperationException("The studio database has no connection string.");
            }
            var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            return new Statements(connection);
        }

        public void Enlist(SqliteTransaction transaction)
        {
            InsertRun.Transaction = transaction;
            InsertMessage.Transaction = transaction;
            Prune.Transaction = transaction;
        }

        public async Task ExecuteAsync(SqliteCommand command, object?[] values)
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
            await InsertMessage.DisposeAsync().ConfigureAwait(false);
            await Prune.DisposeAsync().ConfigureAwait(false);
            await Connection.DisposeAsync().ConfigureAwait(false);
        }

        private SqliteCommand Prepare(string sql, params string[] parameters)
        {
            var command = Connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
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
        TraceJson = JsonSerializer.Serialize(run.Trace, TraceJson),
    };

    private static ChatMessageEntity[] ToMessages(CompletedRun run)
    {
        if (!run.Succeeded || run.Answer is null)
        {
            return [];
        }
        return
        [
            new ChatMessageEntity { ConversationId = run.ConversationId, WorkflowId = run.WorkflowId, Role = "user", Text = run.Query, RunId = run.RunId, CreatedAt = run.StartedAt },
            new ChatMessageEntity { ConversationId = run.ConversationId, WorkflowId = run.WorkflowId, Role = "assistant", Text = run.Answer, RunId = run.RunId, CreatedAt = run.StartedAt + TimeSpan.FromMilliseconds(run.ElapsedMs) },
        ];
    }

    /// <summary>Stores what is still queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        if (_statements is { } statements)
        {
            _statements = null;
            await statements.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed record Pending(RunEntity Run, ChatMessageEntity[] Messages, TaskCompletionSource Done);
}
