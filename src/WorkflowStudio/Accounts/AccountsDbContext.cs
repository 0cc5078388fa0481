using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace WorkflowStudio.Accounts;

/// <summary>ASP.NET Core Identity's tables (users, roles, claims) in the studio's own SQLite file. A context of its own, beside
/// the engine's <c>StudioDbContext</c>, because the engine must not know ASP.NET Core; its migrations keep their own history
/// table so the two never mistake each other's.</summary>
public sealed class AccountsDbContext(DbContextOptions<AccountsDbContext> options) : IdentityDbContext<StudioUser>(options)
{
    public const string MigrationsHistoryTable = "__AccountsMigrationsHistory";

    /// <summary>SQLite on <paramref name="connectionString"/> with this context's migrations history table.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseSqlite(connectionString, sqlite => sqlite.MigrationsHistoryTable(MigrationsHistoryTable));
}
