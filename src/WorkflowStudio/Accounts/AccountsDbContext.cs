using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Accounts;

/// <summary>ASP.NET Core Identity's tables (users, roles, claims) and the ASP.NET Data Protection key ring in the studio's own
/// database. A context of its own, beside the engine's <c>StudioDbContext</c>, because the engine must not know ASP.NET Core;
/// its migrations keep their own history table so the two never mistake each other's. This type carries the SQLite migrations;
/// <see cref="PostgreSqlAccountsDbContext"/> (same model) carries PostgreSQL's.</summary>
public class AccountsDbContext : IdentityDbContext<StudioUser>, IDataProtectionKeyContext
{
    public const string MigrationsHistoryTable = "__AccountsMigrationsHistory";

    public AccountsDbContext(DbContextOptions<AccountsDbContext> options) : base(options)
    {
    }

    /// <summary>For the provider-specific context types.</summary>
    protected AccountsDbContext(DbContextOptions options) : base(options)
    {
    }

    /// <summary>The Data Protection key ring (which encrypts sign-in cookies, antiforgery tokens and model providers' keys), one
    /// row per key, shared by every studio instance on this database.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>The studio's database with this context's migrations history table.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, StudioDatabaseSettings database) =>
        database.Configure(builder, MigrationsHistoryTable);
}

/// <summary>The accounts on PostgreSQL: a type of its own only so that its migrations (Migrations/PostgreSQL) are a set apart
/// from SQLite's. Code asks for <see cref="AccountsDbContext"/> and gets this one on PostgreSQL.</summary>
public sealed class PostgreSqlAccountsDbContext(DbContextOptions<PostgreSqlAccountsDbContext> options) : AccountsDbContext(options);
