using Microsoft.EntityFrameworkCore;

namespace WorkflowEngine.Persistence;

/// <summary>Workflows, knowledge bases, recorded runs (which hold the conversations), run keys and model providers. This type
/// carries the SQLite migrations (Migrations/); <see cref="PostgreSqlStudioDbContext"/> derives from it with the same model and
/// carries PostgreSQL's.</summary>
public class StudioDbContext : DbContext
{
    public StudioDbContext(DbContextOptions<StudioDbContext> options) : base(options)
    {
    }

    /// <summary>For the provider-specific context types.</summary>
    protected StudioDbContext(DbContextOptions options) : base(options)
    {
    }

    public DbSet<WorkflowEntity> Workflows => Set<WorkflowEntity>();
    public DbSet<WorkflowVersionEntity> WorkflowVersions => Set<WorkflowVersionEntity>();
    public DbSet<KnowledgeBaseEntity> KnowledgeBases => Set<KnowledgeBaseEntity>();
    public DbSet<KnowledgeDocumentEntity> KnowledgeDocuments => Set<KnowledgeDocumentEntity>();
    public DbSet<KnowledgeChunkEntity> KnowledgeChunks => Set<KnowledgeChunkEntity>();
    public DbSet<RunEntity> Runs => Set<RunEntity>();
    public DbSet<ApiKeyEntity> ApiKeys => Set<ApiKeyEntity>();
    public DbSet<LlmProviderEntity> LlmProviders => Set<LlmProviderEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<WorkflowEntity>(e =>
        {
            // Optimistic concurrency: a second tab saving an older version gets a conflict, never a silent loss.
            e.Property(w => w.Version).IsConcurrencyToken();
            e.HasMany(w => w.Versions).WithOne().HasForeignKey(v => v.WorkflowId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<WorkflowVersionEntity>().HasIndex(v => new { v.WorkflowId, v.Version }).IsUnique();
        modelBuilder.Entity<KnowledgeBaseEntity>()
            .HasMany(k => k.Documents).WithOne().HasForeignKey(d => d.KnowledgeBaseId).OnDelete(DeleteBehavior.Cascade);
        modelBuilder.Entity<KnowledgeDocumentEntity>()
            .HasMany(d => d.Chunks).WithOne().HasForeignKey(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
        modelBuilder.Entity<KnowledgeChunkEntity>().HasIndex(c => c.KnowledgeBaseId);
        modelBuilder.Entity<RunEntity>().HasIndex(r => new { r.WorkflowId, r.StartedAt });
        modelBuilder.Entity<ApiKeyEntity>().HasIndex(k => k.Hash).IsUnique();
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot order or compare DateTimeOffset natively; store it as a sortable long. PostgreSQL could store
        // timestamptz, but it keeps the long too: one model for both providers means the same queries, the run recorder's one
        // set of values and a verbatim copy between them; timestamptz would also drop the offset, which the long keeps.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter>();
    }
}
