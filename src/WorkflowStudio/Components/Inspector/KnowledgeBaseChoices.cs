using Microsoft.EntityFrameworkCore;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Components.Inspector;

public sealed record KnowledgeBaseChoice(string Id, string Name, int DocumentCount);

/// <summary>The knowledge bases the retrieve node can pick from, read from the studio database.</summary>
public sealed class KnowledgeBaseChoices(IServiceProvider services)
{
    /// <returns>The knowledge bases, or null when the studio has no database (the form then offers a plain id field).</returns>
    public async Task<IReadOnlyList<KnowledgeBaseChoice>?> ListAsync(CancellationToken cancellationToken = default)
    {
        if (services.GetService(typeof(IDbContextFactory<StudioDbContext>)) is not IDbContextFactory<StudioDbContext> factory)
        {
            return null;
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await db.KnowledgeBases.AsNoTracking()
            .Select(k => new KnowledgeBaseChoice(k.Id, k.Name, db.KnowledgeDocuments.Count(d => d.KnowledgeBaseId == k.Id)))
            .ToListAsync(cancellationToken);
        return [.. rows.OrderBy(k => k.Name, StringComparer.CurrentCultureIgnoreCase)];
    }
}
