using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace WorkflowEngine.Persistence;

/// <summary>Used only by <c>dotnet ef</c> to create migrations; the running studio configures the context itself.</summary>
internal sealed class StudioDbContextFactory : IDesignTimeDbContextFactory<StudioDbContext>
{
    public StudioDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<StudioDbContext>().UseSqlite(StudioDatabase.DefaultConnectionString).Options);
}
