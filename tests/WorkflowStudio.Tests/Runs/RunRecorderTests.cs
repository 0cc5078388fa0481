using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkflowEngine.Persistence;
using WorkflowStudio.Runs;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Runs;

/// <summary>The recorder's queue on a real SQLite file, with the file locked by another connection the way a long backup or
/// another writer would lock it.</summary>
public sealed class RunRecorderTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recorder-").FullName;
    private ServiceProvider _provider = null!;

    private string DatabasePath => Path.Combine(_folder, "studio.db");

    public async Task InitializeAsync()
    {
        // A busy database fails a command after one second instead of thirty, so the lock outlasts the timeout quickly.
        var services = new ServiceCollection();
        services.AddStudioPersistence($"Data Source={DatabasePath};Default Timeout=1");
        _provider = services.BuildServiceProvider();
        await using var db = await _provider.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        await StudioDatabase.MigrateAsync(db);
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task RecordAsync_DatabaseLockedPastTheTimeout_RetriesAndLosesNothing()
    {
        // Arrange
        var logger = new RetryCountingLogger();
        await using var recorder = Recorder(logger);
        var locker = await LockAsync();

        // Act: runs finish while the file is locked; the lock outlasts the busy timeout at least twice.
        var runs = Enumerable.Range(0, 20).Select(i => Run($"locked-{i}")).ToList();
        var stored = runs.Select(r => recorder.RecordAsync(r, RunSources.Api, "Locked bot")).ToList();
        await Eventually.WaitUntilAsync(() => Task.FromResult(logger.Retries >= 2), TimeSpan.FromSeconds(60), "two failed attempts");
        var storedWhileLocked = stored.Count(t => t.IsCompletedSuccessfully);
        await locker.DisposeAsync();
        await Task.WhenAll(stored).WaitAsync(TimeSpan.FromSeconds(60));

        // Assert
        Assert.Equal(0, storedWhileLocked);
        Assert.Equal(runs.Select(r => r.RunId).Order(), await StoredRunIdsAsync());
    }

    [Fact]
    public async Task QueueAsync_QueueFullWhileLocked_CallerWaitsForRoomThenEverythingIsStored()
    {
        // Arrange: room for one queued run.
        var logger = new RetryCountingLogger();
        await using var recorder = Recorder(logger, queueCapacity: 1);
        var locker = await LockAsync();
        var first = await recorder.QueueAsync(Run("first"), RunSources.Api, "Bot");
        await Eventually.WaitUntilAsync(() => Task.FromResult(logger.Retries >= 1), TimeSpan.FromSeconds(60), "a failed attempt"); // the writer holds "first"

        // Act
        var second = await recorder.QueueAsync(Run("second"), RunSources.Api, "Bot"); // fills the queue
        var third = recorder.QueueAsync(Run("third"), RunSources.Api, "Bot").AsTask();
        var thirdWaited = !third.IsCompleted;
        await locker.DisposeAsync();
        var stored = await third.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.WhenAll(first, second, stored).WaitAsync(TimeSpan.FromSeconds(60));

        // Assert
        Assert.True(thirdWaited, "A full queue makes the caller wait instead of dropping the run.");
        Assert.Equal(["first", "second", "third"], await StoredRunIdsAsync());
    }

    [Fact]
    public async Task DisposeAsync_RunsStillQueued_StoresThemBeforeStopping()
    {
        // Arrange
        var recorder = Recorder(new RetryCountingLogger());
        var locker = await LockAsync();
        var stored = Enumerable.Range(0, 5).Select(i => recorder.RecordAsync(Run($"queued-{i}"), RunSources.Api, "Bot")).ToList();

        // Act: shutdown begins while the file is locked; the lock ends within the drain time.
        var disposing = recorder.DisposeAsync().AsTask();
        await locker.DisposeAsync();
        await disposing.WaitAsync(TimeSpan.FromSeconds(60));

        // Assert: every caller's task completes without error (their continuations may run just after the drain ends, on
        // another thread, so they are awaited rather than inspected).
        await Task.WhenAll(stored).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(5, (await StoredRunIdsAsync()).Count);
    }

    private RunRecorder Recorder(RetryCountingLogger logger, int queueCapacity = 10_000) =>
        new(_provider.GetRequiredService<IDbContextFactory<StudioDbContext>>(),
            Options.Create(new RunOptions { QueueCapacity = queueCapacity, ShutdownDrainSeconds = 60 }), logger);

    /// <summary>Another connection holding the write lock until disposed.</summary>
    private async Task<SqliteConnection> LockAsync()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "BEGIN EXCLUSIVE;";
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    private async Task<List<string>> StoredRunIdsAsync()
    {
        await using var db = await _provider.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        return await db.Runs.AsNoTracking().OrderBy(r => r.Id).Select(r => r.Id).ToListAsync();
    }

    private static CompletedRun Run(string id)
    {
        RunTraceEntry[] trace = [new("start", "start", "Start", RunTraceEntry.Succeeded, "bypass", null, 1, null, null, null, null, null, null)];
        return new CompletedRun(id, "wf-recorder", "conv-" + id, "Where is my parcel?", "succeeded", "On its way.", null, null, null,
            DateTimeOffset.UtcNow, 10, trace);
    }

    /// <summary>Counts the recorder's "trying again" warnings (event 1105).</summary>
    private sealed class RetryCountingLogger : ILogger<RunRecorder>
    {
        private int _retries;

        public int Retries => Volatile.Read(ref _retries);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 1105)
            {
                Interlocked.Increment(ref _retries);
            }
        }
    }
}
