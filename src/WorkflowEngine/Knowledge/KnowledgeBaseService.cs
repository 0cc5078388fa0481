using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WorkflowEngine.Caching;
using WorkflowEngine.Persistence;

namespace WorkflowEngine.Knowledge;

/// <summary>Knowledge bases: their documents in the database, background chunking and embedding with progress, and search over an
/// in-memory index per knowledge base that is (re)loaded lazily after every change, here or on another instance.</summary>
/// <remarks>
/// Content changes (documents added, replaced, deleted, finished indexing; chunk settings) bump the knowledge base's
/// <see cref="KnowledgeBaseEntity.Version"/> and call <see cref="ICacheInvalidation.KnowledgeBaseChangedAsync"/> (when caching
/// is registered), so no cached retrieval or answer built on old content is served. Renaming changes no content and keeps the version.
/// </remarks>
public sealed class KnowledgeBaseService : IKnowledgeSearch, IAsyncDisposable
{
    /// <summary>Largest accepted document (UTF-8 bytes).</summary>
    public const int MaxDocumentBytes = 20 * 1024 * 1024;
    public const int MinChunkSize = 100;
    public const int MaxChunkSize = 8000;
    private const int EmbedBatch = 32;

    private readonly IDbContextFactory<StudioDbContext> _dbFactory;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embeddings;
    private readonly TimeProvider _time;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;

    private readonly LruCache<string, Lazy<Task<LoadedIndex?>>> _indexes;
    private readonly TimeSpan _lease;
    // Names this instance in the documents it holds; readable in the database (machine and process) and unique per start.
    private readonly string _instanceId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("n")[..8]}";
    private readonly ConcurrentDictionary<string, IndexingProgress> _progress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _queued = new(StringComparer.Ordinal);
    // Knowledge bases whose added documents are not indexed yet because a caller adds several (HoldIndexing), with the holds.
    private readonly ConcurrentDictionary<string, int> _held = new(StringComparer.Ordinal);
    // Knowledge bases with a document committed as indexed (or failed) whose change this instance has not yet applied to its
    // loaded index and announced to the others (ChangedAsync): the database already says "done", this says "not quite".
    private readonly ConcurrentDictionary<string, int> _announcing = new(StringComparer.Ordinal);
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _startLock = new();
    private ImmutableArray<Action<IndexingProgress>> _subscribers = [];
    private Task? _worker;
    private Task? _recovery;
    private Task? _sweeper;
    private IDisposable? _remoteSubscription;
    private IDisposable? _missedSubscription;

    public KnowledgeBaseService(
        IDbContextFactory<StudioDbContext> dbFactory,
        IEmbeddingGenerator<string, Embedding<float>> embeddings,
        TimeProvider time,
        IServiceProvider services,
        ILogger<KnowledgeBaseService>? logger = null,
        IOptions<KnowledgeOptions>? options = null)
    {
        var settings = options?.Value ?? new KnowledgeOptions();
        _indexes = new(settings.MaxLoadedIndexes, StringComparer.Ordinal);
        _lease = settings.IndexingLease;
        _dbFactory = dbFactory;
        _embeddings = embeddings;
        _time = time;
        _services = services;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <param name="FirstIndexing">The base's documents are not yet all indexed for the first time (<see cref="KnowledgeBaseEntity.FirstIndexing"/>).</param>
    private sealed record LoadedIndex(long Version, KnowledgeIndex Index, bool FirstIndexing);

    // ---------------------------------------------------------------- knowledge bases

    public async Task<IReadOnlyList<KnowledgeBaseSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var kbs = await db.KnowledgeBases.AsNoTracking().ToListAsync(cancellationToken);
        var stats = await db.KnowledgeDocuments.AsNoTracking()
            .GroupBy(d => d.KnowledgeBaseId)
            .Select(g => new { Id = g.Key, Count = g.Count(), Chunks = g.Sum(d => d.ChunkCount), Size = g.Sum(d => d.SizeBytes) })
            .ToDictionaryAsync(s => s.Id, cancellationToken);
        return [.. kbs.OrderBy(k => k.Name, StringComparer.CurrentCultureIgnoreCase).Select(k =>
        {
            var s = stats.GetValueOrDefault(k.Id);
            return new KnowledgeBaseSummary(k.Id, k.Name, k.Description, k.Version, s?.Count ?? 0, s?.Chunks ?? 0, s?.Size ?? 0, k.ChunkSize, k.ChunkOverlap, k.UpdatedAt);
        })];
    }

    public async Task<KnowledgeBaseSummary?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(k => k.Id == id);

    /// <param name="chunkSize">Target chunk size in characters (default 800).</param>
    /// <param name="chunkOverlap">Characters repeated from the previous chunk (default 100).</param>
    public async Task<KnowledgeBaseSummary> CreateAsync(string name, string? description = null, int? chunkSize = null, int? chunkOverlap = null, string? id = null, CancellationToken cancellationToken = default)
    {
        var entity = new KnowledgeBaseEntity { Name = ValidName(name, "knowledge base"), Description = description?.Trim() };
        entity.ChunkSize = chunkSize ?? entity.ChunkSize;
        entity.ChunkOverlap = chunkOverlap ?? entity.ChunkOverlap;
        ValidateChunking(entity.ChunkSize, entity.ChunkOverlap);
        if (id is not null)
        {
            entity.Id = id;
        }
        entity.CreatedAt = entity.UpdatedAt = _time.GetUtcNow();
        await using (var db = await _dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (await db.KnowledgeBases.AnyAsync(k => k.Id == entity.Id, cancellationToken))
            {
                throw new KnowledgeBaseException("A knowledge base with this id already exists.");
            }
            db.KnowledgeBases.Add(entity);
            await db.SaveChangesAsync(cancellationToken);
        }
        _indexes.TryRemove(entity.Id);
        return new KnowledgeBaseSummary(entity.Id, entity.Name, entity.Description, entity.Version, 0, 0, 0, entity.ChunkSize, entity.ChunkOverlap, entity.UpdatedAt);
    }

    public async Task RenameAsync(string id, string name, CancellationToken cancellationToken = default)
    {
        var valid = ValidName(name, "knowledge base");
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var now = _time.GetUtcNow();
        var n = await db.KnowledgeBases.Where(k => k.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.Name, valid).SetProperty(k => k.UpdatedAt, now), cancellationToken);
        if (n == 0)
        {
            throw NotFound();
        }
    }

    /// <summary>Changes chunk size and overlap; every document is chunked and embedded again.</summary>
    public async Task UpdateChunkingAsync(string id, int chunkSize, int chunkOverlap, CancellationToken cancellationToken = default)
    {
        ValidateChunking(chunkSize, chunkOverlap);
        await using (var db = await _dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            var kb = await db.KnowledgeBases.FirstOrDefaultAsync(k => k.Id == id, cancellationToken) ?? throw NotFound();
            if (kb.ChunkSize == chunkSize && kb.ChunkOverlap == chunkOverlap)
            {
                return;
            }
            kb.ChunkSize = chunkSize;
            kb.ChunkOverlap = chunkOverlap;
            kb.Version++;
            kb.UpdatedAt = _time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
            await db.KnowledgeChunks.Where(c => c.KnowledgeBaseId == id).ExecuteDeleteAsync(cancellationToken);
            await db.KnowledgeDocuments.Where(d => d.KnowledgeBaseId == id)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DocumentState.Pending).SetProperty(d => d.ChunkCount, 0), cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        await ChangedAsync(id, cancellationToken);
        Enqueue(id);
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using (var db = await _dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.KnowledgeChunks.Where(c => c.KnowledgeBaseId == id).ExecuteDeleteAsync(cancellationToken);
            await db.KnowledgeDocuments.Where(d => d.KnowledgeBaseId == id).ExecuteDeleteAsync(cancellationToken);
            var n = await db.KnowledgeBases.Where(k => k.Id == id).ExecuteDeleteAsync(cancellationToken);
            await tx.CommitAsync(cancellationToken);
            if (n == 0)
            {
                throw NotFound();
            }
        }
        foreach (var p in _progress.Values.Where(p => p.KnowledgeBaseId == id))
        {
            _progress.TryRemove(p.DocumentId, out _);
        }
        await ChangedAsync(id, cancellationToken);
    }

    /// <summary>Creates the sample knowledge base (<see cref="SampleKnowledgeBase"/>) if missing, adds any missing or changed
    /// articles, and returns its id. Safe to call on every start.</summary>
    public Task<string> EnsureSampleAsync(CancellationToken cancellationToken = default) =>
        EnsureSampleAsync(SampleKnowledgeBase.HelpCentre, cancellationToken);

    /// <summary>Creates a sample knowledge base (the whole help centre or a part of it) if missing, adds any missing or
    /// changed articles, and returns its id. Safe to call again.</summary>
    public async Task<string> EnsureSampleAsync(SampleKnowledgeBasePart sample, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sample);
        await StartAsync(cancellationToken);
        await using (var db = await _dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (!await db.KnowledgeBases.AnyAsync(k => k.Id == sample.Id, cancellationToken))
            {
                try
                {
                    await CreateAsync(sample.Name, sample.Description, id: sample.Id, cancellationToken: cancellationToken);
                }
                catch (KnowledgeBaseException)
                {
                    // Created concurrently by another caller: fine.
                }
            }
        }
        using (HoldIndexing(sample.Id))
        {
            foreach (var article in sample.Articles)
            {
                await AddDocumentAsync(sample.Id, article.Name, article.Text, cancellationToken);
            }
        }
        return sample.Id;
    }

    // ---------------------------------------------------------------- documents

    public async Task<IReadOnlyList<KnowledgeDocumentSummary>> ListDocumentsAsync(string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.KnowledgeDocuments.AsNoTracking().Where(d => d.KnowledgeBaseId == knowledgeBaseId)
            .Select(d => new KnowledgeDocumentSummary(d.Id, d.KnowledgeBaseId, d.Name, d.SizeBytes, d.ChunkCount, d.State, d.Error, d.UpdatedAt, d.IndexedChunks, d.ChunksToIndex))
            .ToListAsync(cancellationToken);
        return [.. rows.OrderBy(d => d.Name, StringComparer.CurrentCultureIgnoreCase)];
    }

    /// <summary>Adds an uploaded file after checking that it is UTF-8 text. A document with the same name is replaced.</summary>
    /// <exception cref="KnowledgeBaseException">The file is not text, too large, empty, or the knowledge base is gone.</exception>
    public Task<KnowledgeDocumentSummary> AddDocumentAsync(string knowledgeBaseId, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        AddDocumentAsync(knowledgeBaseId, name, DecodeText(content.Span, name), cancellationToken);

    /// <summary>Adds a document (or replaces the one with the same name) and queues it for indexing. Unchanged text is a no-op.</summary>
    public async Task<KnowledgeDocumentSummary> AddDocumentAsync(string knowledgeBaseId, string name, string text, CancellationToken cancellationToken = default)
    {
        var validName = ValidName(name, "document");
        ValidateText(text, validName);
        return await UpsertAsync(knowledgeBaseId, d => d.Name == validName, validName, text, cancellationToken);
    }

    /// <summary>Holds back indexing of the knowledge base's added documents until the result is disposed, for a caller that
    /// adds several at once: all are stored before the first is indexed, so a new base's first indexing (and with it the
    /// "still being indexed" answers) covers all of them instead of ending with the first. Holds may nest.</summary>
    public IDisposable HoldIndexing(string knowledgeBaseId)
    {
        _held.AddOrUpdate(knowledgeBaseId, 1, (_, n) => n + 1);
        return new Unsubscriber(() =>
        {
            if (_held.AddOrUpdate(knowledgeBaseId, 0, (_, n) => n - 1) <= 0 && _held.TryRemove(new KeyValuePair<string, int>(knowledgeBaseId, 0)))
            {
                Enqueue(knowledgeBaseId);
            }
        });
    }

    /// <summary>Replaces a document's text (e.g. a newer version of the file).</summary>
    /// <param name="name">The uploaded file's name, for messages about it (the document keeps its own name).</param>
    public Task<KnowledgeDocumentSummary> ReplaceDocumentAsync(string knowledgeBaseId, string documentId, ReadOnlyMemory<byte> content, string? name = null, CancellationToken cancellationToken = default) =>
        ReplaceDocumentAsync(knowledgeBaseId, documentId, DecodeText(content.Span, name ?? "The file"), name ?? "The document", cancellationToken);

    public Task<KnowledgeDocumentSummary> ReplaceDocumentAsync(string knowledgeBaseId, string documentId, string text, CancellationToken cancellationToken = default) =>
        ReplaceDocumentAsync(knowledgeBaseId, documentId, text, "The document", cancellationToken);

    private async Task<KnowledgeDocumentSummary> ReplaceDocumentAsync(string knowledgeBaseId, string documentId, string text, string label, CancellationToken cancellationToken)
    {
        ValidateText(text, label);
        return await UpsertAsync(knowledgeBaseId, d => d.Id == documentId, null, text, cancellationToken);
    }

    public async Task DeleteDocumentAsync(string knowledgeBaseId, string documentId, CancellationToken cancellationToken = default)
    {
        await using (var db = await _dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.KnowledgeChunks.Where(c => c.DocumentId == documentId && c.KnowledgeBaseId == knowledgeBaseId).ExecuteDeleteAsync(cancellationToken);
            var n = await db.KnowledgeDocuments.Where(d => d.Id == documentId && d.KnowledgeBaseId == knowledgeBaseId).ExecuteDeleteAsync(cancellationToken);
            if (n == 0)
            {
                throw new KnowledgeBaseException("The document no longer exists.");
            }
            await BumpAsync(db, knowledgeBaseId, cancellationToken);
            await EndFirstIndexingIfDoneAsync(db, knowledgeBaseId, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        _progress.TryRemove(documentId, out _);
        await ChangedAsync(knowledgeBaseId, cancellationToken);
    }

    private async Task<KnowledgeDocumentSummary> UpsertAsync(string knowledgeBaseId, System.Linq.Expressions.Expression<Func<KnowledgeDocumentEntity, bool>> match, string? newName, string text, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        var hash = Hash(text);
        var size = Encoding.UTF8.GetByteCount(text);
        KnowledgeDocumentEntity doc;
        await using (var db = await _dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            if (!await db.KnowledgeBases.AnyAsync(k => k.Id == knowledgeBaseId, cancellationToken))
            {
                throw NotFound();
            }
            var existing = await db.KnowledgeDocuments.Where(d => d.KnowledgeBaseId == knowledgeBaseId).FirstOrDefaultAsync(match, cancellationToken);
            if (existing is null && newName is null)
            {
                throw new KnowledgeBaseException("The document no longer exists.");
            }
            if (existing is not null && existing.ContentHash == hash && existing.State != DocumentState.Failed)
            {
                // Same text as before: nothing to re-index, no version bump.
                return Summary(existing);
            }
            doc = existing ?? new KnowledgeDocumentEntity { KnowledgeBaseId = knowledgeBaseId, Name = newName! };
            doc.Text = text;
            doc.ContentHash = hash;
            doc.SizeBytes = size;
            doc.ChunkCount = 0;
            doc.State = DocumentState.Pending;
            doc.Error = null;
            doc.UpdatedAt = _time.GetUtcNow();
            // An instance still indexing the old text loses the document: its writes name the old content hash.
            doc.LeaseOwner = null;
            doc.LeaseUntil = 0;
            doc.IndexedChunks = 0;
            doc.ChunksToIndex = 0;
            if (existing is null)
            {
                db.KnowledgeDocuments.Add(doc);
            }
            else
            {
                // Old chunks go at once: answers must not be built from text that was replaced.
                await db.KnowledgeChunks.Where(c => c.DocumentId == doc.Id).ExecuteDeleteAsync(cancellationToken);
            }
            await db.SaveChangesAsync(cancellationToken);
            await BumpAsync(db, knowledgeBaseId, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        StartBatchIfIdle(knowledgeBaseId);
        Publish(new IndexingProgress(knowledgeBaseId, doc.Id, doc.Name, DocumentState.Pending, 0, 0));
        await ChangedAsync(knowledgeBaseId, cancellationToken);
        Enqueue(knowledgeBaseId);
        return Summary(doc);
    }

    // ---------------------------------------------------------------- indexing progress

    /// <summary>Listen to indexing progress of all knowledge bases (called on the indexing thread; marshal to the UI yourself).
    /// Dispose the result to stop.</summary>
    public IDisposable SubscribeProgress(Action<IndexingProgress> handler)
    {
        ImmutableInterlocked.Update(ref _subscribers, s => s.Add(handler));
        return new Unsubscriber(() => ImmutableInterlocked.Update(ref _subscribers, s => s.Remove(handler)));
    }

    /// <summary>Progress of the documents in the current (or last) indexing batch of a knowledge base.</summary>
    public IReadOnlyList<IndexingProgress> GetProgress(string knowledgeBaseId) =>
        [.. _progress.Values.Where(p => p.KnowledgeBaseId == knowledgeBaseId).OrderBy(p => p.DocumentName, StringComparer.Ordinal)];

    /// <summary>0..1 while documents of the knowledge base are being indexed; null when nothing is waiting.</summary>
    public double? GetIndexingFraction(string knowledgeBaseId)
    {
        var batch = GetProgress(knowledgeBaseId);
        return batch.Count == 0 || batch.All(p => p.State is DocumentState.Ready or DocumentState.Failed) ? null : batch.Average(p => p.Fraction);
    }

    /// <summary>Completes when no document of the knowledge base is pending or indexing (see <see cref="IsIndexingAsync"/>).</summary>
    public async Task WaitForIndexingAsync(string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        while (await IsIndexingAsync(knowledgeBaseId, cancellationToken))
        {
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Whether a document of the knowledge base is still pending or being indexed (read from the database, so it is
    /// the same answer on every instance). On the instance that indexed the last document it stays true until that instance
    /// has dropped its loaded index and announced the change, so a search here right after sees the new content and the other
    /// instances have been told.</summary>
    public async Task<bool> IsIndexingAsync(string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        bool waiting;
        await using (var db = await _dbFactory.CreateDbContextAsync(cancellationToken))
        {
            waiting = await Waiting(db.KnowledgeDocuments).AnyAsync(d => d.KnowledgeBaseId == knowledgeBaseId, cancellationToken);
        }
        // Read after the database: a document the database shows as done was counted here before its commit.
        return waiting || _announcing.ContainsKey(knowledgeBaseId);
    }

    // ---------------------------------------------------------------- search

    public async ValueTask<FirstIndexing?> GetFirstIndexingAsync(string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        if (await GetIndexAsync(knowledgeBaseId, cancellationToken) is not { FirstIndexing: true })
        {
            return null;
        }
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var name = await db.KnowledgeBases.AsNoTracking().Where(k => k.Id == knowledgeBaseId).Select(k => k.Name).FirstOrDefaultAsync(cancellationToken);
        var states = await db.KnowledgeDocuments.AsNoTracking().Where(d => d.KnowledgeBaseId == knowledgeBaseId).Select(d => d.State).ToListAsync(cancellationToken);
        var waiting = states.Count(s => s is DocumentState.Pending or DocumentState.Indexing);
        // An empty new base is not being indexed: searching it finds nothing, which is the truth.
        return name is null || waiting == 0 ? null : new FirstIndexing(knowledgeBaseId, name, states.Count - waiting, states.Count);
    }

    public async ValueTask<long?> GetVersionAsync(string knowledgeBaseId, CancellationToken cancellationToken = default) =>
        (await GetIndexAsync(knowledgeBaseId, cancellationToken))?.Version;

    public async ValueTask<IReadOnlyList<ScoredChunk>> SearchAsync(string knowledgeBaseId, string query, SearchOptions options, CancellationToken cancellationToken = default)
    {
        var loaded = await GetIndexAsync(knowledgeBaseId, cancellationToken);
        if (loaded is null || loaded.Index.Count == 0 || string.IsNullOrWhiteSpace(query))
        {
            return [];
        }
        ReadOnlyMemory<float>? vector = null;
        if (options.Mode != SearchMode.Keyword && loaded.Index.Dimensions > 0)
        {
            try
            {
                var embedded = await _embeddings.GenerateAsync([query], cancellationToken: cancellationToken);
                vector = embedded[0].Vector;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && options.Mode == SearchMode.Hybrid)
            {
                Log.QueryEmbeddingFailed(_logger, ex, knowledgeBaseId);
            }
        }
        return loaded.Index.Search(query, vector, options);
    }

    /// <summary>Search with the query's embedding already computed (the semantic cache embeds the question once for its own
    /// index and for this search). A vector of another length than the index's falls back to embedding the query here.</summary>
    public async ValueTask<IReadOnlyList<ScoredChunk>> SearchAsync(string knowledgeBaseId, string query, ReadOnlyMemory<float> queryVector, SearchOptions options, CancellationToken cancellationToken = default)
    {
        var loaded = await GetIndexAsync(knowledgeBaseId, cancellationToken);
        if (loaded is null || loaded.Index.Count == 0 || string.IsNullOrWhiteSpace(query))
        {
            return [];
        }
        if (options.Mode == SearchMode.Keyword || queryVector.Length != loaded.Index.Dimensions || loaded.Index.Dimensions == 0)
        {
            return await SearchAsync(knowledgeBaseId, query, options, cancellationToken);
        }
        return loaded.Index.Search(query, queryVector, options);
    }

    /// <summary>The studio's search playground: top chunks with keyword score, vector score and fused rank (no minimum score).</summary>
    public async Task<PlaygroundResult> SearchPlaygroundAsync(string knowledgeBaseId, string query, int topK = 5, SearchMode mode = SearchMode.Hybrid, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var hits = await SearchAsync(knowledgeBaseId, query, new SearchOptions(topK, 0, mode), cancellationToken);
        var version = await GetVersionAsync(knowledgeBaseId, cancellationToken) ?? 0;
        return new PlaygroundResult(hits, Stopwatch.GetElapsedTime(started), version);
    }

    /// <summary>The knowledge base's in-memory index as searches see it now (loaded on first use).</summary>
    public async Task<KnowledgeIndex?> GetIndexSnapshotAsync(string knowledgeBaseId, CancellationToken cancellationToken = default) =>
        (await GetIndexAsync(knowledgeBaseId, cancellationToken))?.Index;

    private async ValueTask<LoadedIndex?> GetIndexAsync(string knowledgeBaseId, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        var lazy = _indexes.GetOrAdd(knowledgeBaseId, id => new Lazy<Task<LoadedIndex?>>(() => LoadIndexAsync(id)));
        if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
        {
            return lazy.Value.Result;
        }
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _indexes.TryRemove(knowledgeBaseId, lazy);
            throw;
        }
    }

    private async Task<LoadedIndex?> LoadIndexAsync(string knowledgeBaseId)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(_stopping.Token);
        await using var tx = await db.Database.BeginTransactionAsync(_stopping.Token); // version and chunks from one snapshot
        var kb = await db.KnowledgeBases.AsNoTracking().Where(k => k.Id == knowledgeBaseId).Select(k => new { k.Version, k.FirstIndexing }).FirstOrDefaultAsync(_stopping.Token);
        if (kb is null)
        {
            return null;
        }
        var rows = await db.KnowledgeChunks.AsNoTracking().Where(c => c.KnowledgeBaseId == knowledgeBaseId)
            .OrderBy(c => c.DocumentName).ThenBy(c => c.Ordinal).ToListAsync(_stopping.Token);
        var chunks = rows.Select(r => new KnowledgeChunk(r.DocumentId, r.DocumentName, r.Heading, r.Text, r.Ordinal)).ToList();
        var vectors = rows.Select(r => FromBytes(r.Vector)).ToList();
        Log.IndexLoaded(_logger, knowledgeBaseId, kb.Version, chunks.Count);
        return new LoadedIndex(kb.Version, new KnowledgeIndex(chunks, vectors), kb.FirstIndexing);
    }

    // ---------------------------------------------------------------- background indexing

    /// <summary>Starts the indexing worker, resumes documents left pending by a previous run, and listens for changes made by
    /// other instances. Called on first use; a host may call it at startup.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _recovery) is { IsCompletedSuccessfully: true })
        {
            return Task.CompletedTask; // every search calls this: no lock and no wait once started
        }
        lock (_startLock)
        {
            if (_recovery is null)
            {
                var invalidation = _services.GetService<ICacheInvalidation>();
                _remoteSubscription = invalidation?.OnKnowledgeBaseChanged(id =>
                {
                    _indexes.TryRemove(id);
                    return Task.CompletedTask;
                });
                _missedSubscription = invalidation?.OnMessagesMissed(DropChangedIndexesAsync);
                _recovery = ResumePendingAsync();
                _sweeper = SweepAsync();
            }
            return _recovery.WaitAsync(cancellationToken);
        }
    }

    /// <summary>After change notices may have been missed: drops each loaded index whose knowledge base is no longer as loaded
    /// (another version, indexing finished, created or deleted since), so the next search loads it again. One query, however
    /// many are loaded; unchanged ones stay.</summary>
    private async Task DropChangedIndexesAsync()
    {
        // A load still under way may have read the database before a change whose notice was missed: loaded again.
        foreach (var (id, entry) in _indexes.Snapshot().Where(e => !e.Value.IsValueCreated || !e.Value.Value.IsCompleted))
        {
            _indexes.TryRemove(id, entry);
        }
        var loaded = _indexes.Snapshot()
            .Where(e => e.Value.IsValueCreated && e.Value.Value.IsCompletedSuccessfully)
            .Select(e => (Id: e.Key, Entry: e.Value, Index: e.Value.Value.Result))
            .ToList();
        if (loaded.Count == 0)
        {
            return;
        }
        var ids = loaded.Select(e => e.Id).ToList();
        await using var db = await _dbFactory.CreateDbContextAsync(_stopping.Token);
        var current = await db.KnowledgeBases.AsNoTracking().Where(k => ids.Contains(k.Id))
            .Select(k => new { k.Id, k.Version, k.FirstIndexing }).ToDictionaryAsync(k => k.Id, _stopping.Token);
        foreach (var (id, entry, index) in loaded)
        {
            var now = current.GetValueOrDefault(id);
            // By entry, not by id: a load that started since (after a notice that did arrive) is already current.
            if ((index is null ? now is not null : now is null || now.Version != index.Version || now.FirstIndexing != index.FirstIndexing)
                && _indexes.TryRemove(id, entry))
            {
                Log.IndexDroppedAfterMissedNotices(_logger, id);
            }
        }
    }

    /// <summary>Queues every knowledge base with a document that no instance holds: pending ones, and ones whose indexer
    /// stopped without giving them back (its lease ran out).</summary>
    private async Task ResumePendingAsync()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = await _dbFactory.CreateDbContextAsync(_stopping.Token);
        var ids = await Waiting(db.KnowledgeDocuments).Where(d => d.LeaseOwner == null || d.LeaseUntil < now)
            .Select(d => d.KnowledgeBaseId).Distinct().ToListAsync(_stopping.Token);
        foreach (var id in ids)
        {
            Enqueue(id);
        }
    }

    /// <summary>Looks again every half lease for documents left by an instance that stopped, or added by one that did not
    /// index them, so that with several instances nothing waits for a restart.</summary>
    private async Task SweepAsync()
    {
        using var timer = new PeriodicTimer(_lease / 2, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    await ResumePendingAsync();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.IndexingWorkerFailed(_logger, ex); // the database away for a moment: the next tick tries again
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static IQueryable<KnowledgeDocumentEntity> Waiting(IQueryable<KnowledgeDocumentEntity> documents) =>
        documents.Where(d => d.State == DocumentState.Pending || d.State == DocumentState.Indexing);

    private void Enqueue(string knowledgeBaseId)
    {
        if (_held.ContainsKey(knowledgeBaseId))
        {
            return; // queued when the hold ends
        }
        if (_queued.TryAdd(knowledgeBaseId, 0))
        {
            _queue.Writer.TryWrite(knowledgeBaseId);
        }
        lock (_startLock)
        {
            _worker ??= Task.Run(RunWorkerAsync);
        }
    }

    private async Task RunWorkerAsync()
    {
        try
        {
            await foreach (var kbId in _queue.Reader.ReadAllAsync(_stopping.Token))
            {
                _queued.TryRemove(kbId, out _);
                await IndexPendingAsync(kbId, _stopping.Token);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.IndexingWorkerFailed(_logger, ex);
        }
    }

    private async Task IndexPendingAsync(string knowledgeBaseId, CancellationToken cancellationToken)
    {
        // Documents done with in this pass: failed here, or held by another instance.
        var passedIds = new HashSet<string>();
        while (true)
        {
            KnowledgeBaseEntity? kb;
            KnowledgeDocumentEntity? doc;
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            await using (var db = await _dbFactory.CreateDbContextAsync(cancellationToken))
            {
                kb = await db.KnowledgeBases.AsNoTracking().FirstOrDefaultAsync(k => k.Id == knowledgeBaseId, cancellationToken);
                doc = kb is null ? null : await Waiting(db.KnowledgeDocuments.AsNoTracking())
                    .Where(d => d.KnowledgeBaseId == knowledgeBaseId && !passedIds.Contains(d.Id)
                        && (d.LeaseOwner == null || d.LeaseOwner == _instanceId || d.LeaseUntil < now))
                    .OrderBy(d => d.Name).FirstOrDefaultAsync(cancellationToken);
            }
            if (kb is null || doc is null)
            {
                return;
            }
            try
            {
                if (!await IndexDocumentAsync(kb, doc, cancellationToken))
                {
                    passedIds.Add(doc.Id);
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                await ReleaseAsync(doc);
                throw;
            }
            // While the service stops, a failure is the shutdown's (a disposed dependency, a cancelled call), not the document's:
            // it stays pending and is indexed again at the next start instead of being marked failed for good.
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                passedIds.Add(doc.Id);
                Log.DocumentIndexingFailed(_logger, ex, knowledgeBaseId, doc.Name);
                var message = ex is KnowledgeBaseException ? ex.Message : "Indexing failed: " + ex.Message;
                using var announcing = AnnounceAfterCommit(knowledgeBaseId);
                await using (var db = await _dbFactory.CreateDbContextAsync(cancellationToken))
                {
                    await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
                    await Held(db, doc).ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DocumentState.Failed).SetProperty(d => d.Error, message)
                        .SetProperty(d => d.LeaseOwner, (string?)null), cancellationToken);
                    var ended = await EndFirstIndexingIfDoneAsync(db, knowledgeBaseId, cancellationToken);
                    await tx.CommitAsync(cancellationToken);
                    if (ended)
                    {
                        await ChangedAsync(knowledgeBaseId, cancellationToken);
                    }
                }
                Publish(new IndexingProgress(knowledgeBaseId, doc.Id, doc.Name, DocumentState.Failed, 0, 0, message));
            }
        }
    }

    /// <summary>The document's row while this instance holds it with the text it read: a replaced text or a lease taken over
    /// by another instance (after this one stalled past it) matches nothing, so this instance's writes are dropped.</summary>
    private IQueryable<KnowledgeDocumentEntity> Held(StudioDbContext db, KnowledgeDocumentEntity doc) =>
        db.KnowledgeDocuments.Where(d => d.Id == doc.Id && d.ContentHash == doc.ContentHash && d.LeaseOwner == _instanceId);

    /// <summary>Takes the document for this instance, unless another one holds it; false when it does.</summary>
    private async Task<bool> TryClaimAsync(KnowledgeDocumentEntity doc, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var until = now + (long)_lease.TotalMilliseconds;
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        return await Waiting(db.KnowledgeDocuments)
            .Where(d => d.Id == doc.Id && d.ContentHash == doc.ContentHash && (d.LeaseOwner == null || d.LeaseOwner == _instanceId || d.LeaseUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DocumentState.Indexing).SetProperty(d => d.LeaseOwner, _instanceId)
                .SetProperty(d => d.LeaseUntil, until).SetProperty(d => d.IndexedChunks, 0).SetProperty(d => d.ChunksToIndex, 0), cancellationToken) == 1;
    }

    /// <summary>Extends the lease and records how far indexing got; false when the document is no longer this instance's.</summary>
    private async Task<bool> RenewAsync(KnowledgeDocumentEntity doc, int done, int total, CancellationToken cancellationToken)
    {
        var until = _time.GetUtcNow().ToUnixTimeMilliseconds() + (long)_lease.TotalMilliseconds;
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        return await Held(db, doc).ExecuteUpdateAsync(s => s.SetProperty(d => d.LeaseUntil, until)
            .SetProperty(d => d.IndexedChunks, done).SetProperty(d => d.ChunksToIndex, total), cancellationToken) == 1;
    }

    /// <summary>Gives a document back when this instance stops while indexing it, so the next start (or another instance)
    /// takes it at once instead of after the lease. Best effort: an instance that cannot is covered by the lease's end.</summary>
    private async Task ReleaseAsync(KnowledgeDocumentEntity doc)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var db = await _dbFactory.CreateDbContextAsync(timeout.Token);
            await Held(db, doc).ExecuteUpdateAsync(s => s.SetProperty(d => d.LeaseOwner, (string?)null).SetProperty(d => d.LeaseUntil, 0L), timeout.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.DocumentIndexingFailed(_logger, ex, doc.KnowledgeBaseId, doc.Name);
        }
    }

    /// <summary>Ends the base's first indexing when none of its documents waits any more; true when it ended now.</summary>
    private static async Task<bool> EndFirstIndexingIfDoneAsync(StudioDbContext db, string knowledgeBaseId, CancellationToken cancellationToken) =>
        await db.KnowledgeBases.Where(k => k.Id == knowledgeBaseId && k.FirstIndexing
                && !db.KnowledgeDocuments.Any(d => d.KnowledgeBaseId == knowledgeBaseId && (d.State == DocumentState.Pending || d.State == DocumentState.Indexing)))
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.FirstIndexing, false), cancellationToken) == 1;

    /// <summary>Indexes one document; false when another instance holds it (or took it over meanwhile).</summary>
    private async Task<bool> IndexDocumentAsync(KnowledgeBaseEntity kb, KnowledgeDocumentEntity doc, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (!await TryClaimAsync(doc, cancellationToken))
        {
            return false;
        }
        Publish(new IndexingProgress(kb.Id, doc.Id, doc.Name, DocumentState.Indexing, 0, 0));

        // Chunking a 5 MB document takes a moment too: keep it off the caller's thread like the embedding.
        var chunks = await Task.Run(() => TextChunker.Chunk(doc.Id, doc.Name, doc.Text, kb.ChunkSize, kb.ChunkOverlap), cancellationToken);
        if (!await RenewAsync(doc, 0, chunks.Count, cancellationToken))
        {
            return false;
        }
        Publish(new IndexingProgress(kb.Id, doc.Id, doc.Name, DocumentState.Indexing, 0, chunks.Count));
        var vectors = new List<byte[]>(chunks.Count);
        for (var start = 0; start < chunks.Count; start += EmbedBatch)
        {
            var batch = chunks.Skip(start).Take(EmbedBatch).Select(KnowledgeIndex.SearchText).ToList();
            var embedded = await _embeddings.GenerateAsync(batch, cancellationToken: cancellationToken);
            vectors.AddRange(embedded.Select(e => ToBytes(e.Vector.Span)));
            if (!await RenewAsync(doc, vectors.Count, chunks.Count, cancellationToken))
            {
                return false;
            }
            Publish(new IndexingProgress(kb.Id, doc.Id, doc.Name, DocumentState.Indexing, vectors.Count, chunks.Count));
        }

        using var announcing = AnnounceAfterCommit(kb.Id);
        await using (var db = await _dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            // The document's row is written first: that write waits for any other instance writing the same document's
            // chunks (PostgreSQL's row lock, SQLite's one writer) until it commits, so the delete below then removes that
            // instance's chunks instead of both sets ending up stored.
            var stillCurrent = await Held(db, doc)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DocumentState.Ready).SetProperty(d => d.ChunkCount, chunks.Count)
                    .SetProperty(d => d.Error, (string?)null).SetProperty(d => d.LeaseOwner, (string?)null)
                    .SetProperty(d => d.IndexedChunks, chunks.Count).SetProperty(d => d.ChunksToIndex, chunks.Count), cancellationToken);
            if (stillCurrent == 0)
            {
                return false; // deleted, replaced (the newer text is queued on its own) or taken over by another instance
            }
            await db.KnowledgeChunks.Where(c => c.DocumentId == doc.Id).ExecuteDeleteAsync(cancellationToken);
            db.KnowledgeChunks.AddRange(chunks.Select((c, i) => new KnowledgeChunkEntity
            {
                DocumentId = doc.Id,
                KnowledgeBaseId = kb.Id,
                Ordinal = c.Ordinal,
                DocumentName = c.DocumentName,
                Heading = c.Heading,
                Text = c.Text,
                Vector = vectors[i],
            }));
            await db.SaveChangesAsync(cancellationToken);
            await BumpAsync(db, kb.Id, cancellationToken);
            await EndFirstIndexingIfDoneAsync(db, kb.Id, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        Log.DocumentIndexed(_logger, kb.Id, doc.Name, chunks.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        Publish(new IndexingProgress(kb.Id, doc.Id, doc.Name, DocumentState.Ready, chunks.Count, chunks.Count));
        await ChangedAsync(kb.Id, cancellationToken);
        return true;
    }

    /// <summary>Counts a change about to be committed as not yet announced, until the returned handle is disposed (after
    /// <see cref="ChangedAsync"/>); see <see cref="IsIndexingAsync"/>.</summary>
    private PendingAnnouncement AnnounceAfterCommit(string knowledgeBaseId)
    {
        _announcing.AddOrUpdate(knowledgeBaseId, 1, (_, n) => n + 1);
        return new PendingAnnouncement(_announcing, knowledgeBaseId);
    }

    private sealed class PendingAnnouncement(ConcurrentDictionary<string, int> announcing, string knowledgeBaseId) : IDisposable
    {
        public void Dispose()
        {
            announcing.AddOrUpdate(knowledgeBaseId, 0, (_, n) => n - 1);
            announcing.TryRemove(new KeyValuePair<string, int>(knowledgeBaseId, 0));
        }
    }

    private void StartBatchIfIdle(string knowledgeBaseId)
    {
        var mine = _progress.Values.Where(p => p.KnowledgeBaseId == knowledgeBaseId).ToList();
        if (mine.All(p => p.State is DocumentState.Ready or DocumentState.Failed))
        {
            foreach (var p in mine)
            {
                _progress.TryRemove(p.DocumentId, out _);
            }
        }
    }

    private void Publish(IndexingProgress progress)
    {
        _progress[progress.DocumentId] = progress;
        foreach (var handler in _subscribers)
        {
            try
            {
                handler(progress);
            }
            catch (Exception ex)
            {
                // A broken listener (e.g. a closed browser tab) must not stop indexing.
                Log.DocumentIndexingFailed(_logger, ex, progress.KnowledgeBaseId, progress.DocumentName);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private async Task BumpAsync(StudioDbContext db, string knowledgeBaseId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await db.KnowledgeBases.Where(k => k.Id == knowledgeBaseId)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.Version, k => k.Version + 1).SetProperty(k => k.UpdatedAt, now), cancellationToken);
    }

    private async Task ChangedAsync(string knowledgeBaseId, CancellationToken cancellationToken)
    {
        // Local index first, so a retrieval that runs right after the caches are cleared already sees the new content.
        _indexes.TryRemove(knowledgeBaseId);
        var invalidation = _services.GetService<ICacheInvalidation>();
        if (invalidation is null)
        {
            return;
        }
        try
        {
            await invalidation.KnowledgeBaseChangedAsync(knowledgeBaseId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.InvalidationFailed(_logger, ex, knowledgeBaseId);
        }
    }

    /// <summary>Decodes an uploaded file as UTF-8 text, or explains in plain words why it is not text.</summary>
    public static string DecodeText(ReadOnlySpan<byte> content, string name)
    {
        if (content.Length > MaxDocumentBytes)
        {
            throw new KnowledgeBaseException($"\"{name}\" is too large ({content.Length / 1024 / 1024} MB). The limit is {MaxDocumentBytes / 1024 / 1024} MB per document.");
        }
        if (content.IndexOf((byte)0) >= 0)
        {
            throw new KnowledgeBaseException($"\"{name}\" is not a text file (it contains binary data). Upload Markdown (.md) or plain text (.txt) files.");
        }
        try
        {
            var text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(content);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException)
        {
            throw new KnowledgeBaseException($"\"{name}\" is not UTF-8 text. Save it as UTF-8 text (.md or .txt) and upload it again.");
        }
    }

    private static void ValidateText(string text, string name)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new KnowledgeBaseException($"\"{name}\" is empty.");
        }
        if (text.Contains('\0'))
        {
            throw new KnowledgeBaseException($"\"{name}\" is not text (it contains binary data).");
        }
        if (Encoding.UTF8.GetByteCount(text) > MaxDocumentBytes)
        {
            throw new KnowledgeBaseException($"\"{name}\" is too large. The limit is {MaxDocumentBytes / 1024 / 1024} MB per document.");
        }
    }

    private static string ValidName(string? name, string what)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw new KnowledgeBaseException($"Give the {what} a name.");
        }
        if (trimmed.Length > 200)
        {
            throw new KnowledgeBaseException($"The {what} name is too long (at most 200 characters).");
        }
        return trimmed;
    }

    private static void ValidateChunking(int chunkSize, int chunkOverlap)
    {
        if (chunkSize is < MinChunkSize or > MaxChunkSize)
        {
            throw new KnowledgeBaseException($"Chunk size must be between {MinChunkSize} and {MaxChunkSize} characters.");
        }
        if (chunkOverlap < 0 || chunkOverlap > chunkSize / 2)
        {
            throw new KnowledgeBaseException("Chunk overlap must be between 0 and half the chunk size.");
        }
    }

    private static KnowledgeBaseException NotFound() => new("The knowledge base no longer exists.");

    private static KnowledgeDocumentSummary Summary(KnowledgeDocumentEntity d) =>
        new(d.Id, d.KnowledgeBaseId, d.Name, d.SizeBytes, d.ChunkCount, d.State, d.Error, d.UpdatedAt, d.IndexedChunks, d.ChunksToIndex);

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    // Vectors are stored as float32 in the machine's byte order; every platform .NET runs on here is little-endian.
    internal static byte[] ToBytes(ReadOnlySpan<float> vector) => MemoryMarshal.AsBytes(vector).ToArray();

    internal static float[] FromBytes(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();

    private int _disposeStarted;

    /// <summary>Stops background indexing and waits for it. A host calls this when it stops, before it disposes its services, so
    /// the worker never uses a service that is already gone; a document being indexed stays pending for the next start.</summary>
    public Task StopAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as IKnowledgeSearch: the container disposes it once per registration.
        if (Interlocked.Exchange(ref _disposeStarted, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        _queue.Writer.TryComplete();
        _remoteSubscription?.Dispose();
        _missedSubscription?.Dispose();
        foreach (var task in new[] { _worker, _sweeper })
        {
            if (task is null)
            {
                continue;
            }
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stopping.Dispose();
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
