namespace WorkflowEngine.Persistence;

/// <summary>A saved workflow: the current document as JSON, with a version incremented on every save.</summary>
public sealed class WorkflowEntity
{
    public string Id { get; set; } = Guid.NewGuid().ToString("n");
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string Json { get; set; } = "{}";
    public int NodeCount { get; set; }
    public int Version { get; set; } = 1;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<WorkflowVersionEntity> Versions { get; set; } = [];
}

/// <summary>An earlier saved version of a workflow, restorable from the editor.</summary>
public sealed class WorkflowVersionEntity
{
    public long Id { get; set; }
    public string WorkflowId { get; set; } = "";
    public int Version { get; set; }
    public string Json { get; set; } = "{}";
    public DateTimeOffset SavedAt { get; set; }
    /// <summary>Who saved it (a user's email, "API key …", "Admin API key"); null for versions saved before this was
    /// recorded and for what the studio saves by itself (the preloaded sample).</summary>
    public string? SavedBy { get; set; }
}

public sealed class KnowledgeBaseEntity
{
    public string Id { get; set; } = Guid.NewGuid().ToString("n");
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    /// <summary>Bumped on every change; part of retrieval cache keys so no stale result is ever served.</summary>
    public long Version { get; set; } = 1;
    public int ChunkSize { get; set; } = 800;
    public int ChunkOverlap { get; set; } = 100;
    /// <summary>True from creation until its documents are first all indexed (or failed): until then an answer would come from
    /// part of it, so retrieval says it is still being indexed instead. Documents added later are searched as they are indexed.</summary>
    public bool FirstIndexing { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<KnowledgeDocumentEntity> Documents { get; set; } = [];
}

public enum DocumentState
{
    Pending,
    Indexing,
    Ready,
    Failed,
}

public sealed class KnowledgeDocumentEntity
{
    public string Id { get; set; } = Guid.NewGuid().ToString("n");
    public string KnowledgeBaseId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Text { get; set; } = "";
    /// <summary>SHA-256 of the text: unchanged documents are not re-indexed.</summary>
    public string ContentHash { get; set; } = "";
    public long SizeBytes { get; set; }
    public int ChunkCount { get; set; }
    public DocumentState State { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>The instance indexing the document (its lease), so that of several instances sharing the database one indexes it.</summary>
    public string? LeaseOwner { get; set; }
    /// <summary>When the lease ends, in Unix milliseconds (a number, because SQLite cannot compare DateTimeOffsets in a query):
    /// an instance that stopped without giving the document back leaves it to another after that.</summary>
    public long LeaseUntil { get; set; }
    /// <summary>Chunks embedded so far of <see cref="ChunksToIndex"/>, written as indexing goes so every instance can show it.</summary>
    public int IndexedChunks { get; set; }
    public int ChunksToIndex { get; set; }
    public List<KnowledgeChunkEntity> Chunks { get; set; } = [];
}

public sealed class KnowledgeChunkEntity
{
    public long Id { get; set; }
    public string DocumentId { get; set; } = "";
    public string KnowledgeBaseId { get; set; } = "";
    public int Ordinal { get; set; }
    public string DocumentName { get; set; } = "";
    public string? Heading { get; set; }
    public string Text { get; set; } = "";
    /// <summary>The embedding as little-endian float32s.</summary>
    public byte[] Vector { get; set; } = [];
}

/// <summary>One recorded run with its per-node trace (JSON array), kept for the Runs page. A succeeded run's question and answer
/// are also its conversation's stored turns: there is no table of messages beside the runs.</summary>
public sealed class RunEntity
{
    public string Id { get; set; } = "";
    public string WorkflowId { get; set; } = "";
    public string WorkflowName { get; set; } = "";
    public string ConversationId { get; set; } = "";
    /// <summary>studio, api</summary>
    public string Source { get; set; } = "studio";
    public string Query { get; set; } = "";
    public string? Answer { get; set; }
    /// <summary>succeeded, failed, cancelled</summary>
    public string Status { get; set; } = "";
    public string? Error { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>Who asked (a user's email, "API key …", "Admin API key"); null for runs recorded before this was.</summary>
    public string? StartedBy { get; set; }
    public double ElapsedMs { get; set; }
    public int CacheHits { get; set; }
    public int NodeCount { get; set; }
    public double SavedMs { get; set; }
    public string TraceJson { get; set; } = "[]";
}

/// <summary>A run key for a published workflow; only its SHA-256 hash is stored.</summary>
public sealed class ApiKeyEntity
{
    public string Id { get; set; } = Guid.NewGuid().ToString("n");
    public string WorkflowId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Hash { get; set; } = "";
    /// <summary>The first characters, to recognise a key in lists.</summary>
    public string Prefix { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>An OpenAI-compatible LLM provider configured in the studio; the API key is encrypted at rest.</summary>
public sealed class LlmProviderEntity
{
    public string Id { get; set; } = Guid.NewGuid().ToString("n");
    public string Name { get; set; } = "";
    public string BaseUrl { get; set; } = "";
    public string Model { get; set; } = "";
    public string? EncryptedApiKey { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
