using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace WorkflowEngine.Persistence;

/// <summary>The studio's context on PostgreSQL: the same model as <see cref="StudioDbContext"/>, a type of its own only so that
/// its migrations (Migrations/PostgreSQL) are a set apart from SQLite's, EF Core's "one context type per provider". Code asks
/// for <see cref="StudioDbContext"/> and gets this one when <see cref="StudioDatabaseSettings.Provider"/> is PostgreSQL.</summary>
public sealed class PostgreSqlStudioDbContext(DbContextOptions<PostgreSqlStudioDbContext> options) : StudioDbContext(options);

/// <summary>Used only by <c>dotnet ef migrations add … --context PostgreSqlStudioDbContext</c>; no server is contacted.</summary>
internal sealed class PostgreSqlStudioDbContextFactory : IDesignTimeDbContextFactory<PostgreSqlStudioDbContext>
{
    public PostgreSqlStudioDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<PostgreSqlStudioDbContext>)StudioDatabaseSettings.PostgreSql("Host=localhost;Database=studio")
            .Configure(new DbContextOptionsBuilder<PostgreSqlStudioDbContext>()).Options);
}
