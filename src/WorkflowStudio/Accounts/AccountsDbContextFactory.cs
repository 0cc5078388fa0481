using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Accounts;

/// <summary>Used only by <c>dotnet ef</c> to create migrations; the running studio configures the context itself.</summary>
internal sealed class AccountsDbContextFactory : IDesignTimeDbContextFactory<AccountsDbContext>
{
    public AccountsDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<AccountsDbContext>();
        AccountsDbContext.Configure(builder, StudioDatabaseSettings.Sqlite(StudioDatabase.DefaultConnectionString));
        return new AccountsDbContext(builder.Options);
    }
}

/// <summary>Used only by <c>dotnet ef migrations add … --context PostgreSqlAccountsDbContext</c>; no server is contacted.</summary>
internal sealed class PostgreSqlAccountsDbContextFactory : IDesignTimeDbContextFactory<PostgreSqlAccountsDbContext>
{
    public PostgreSqlAccountsDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<PostgreSqlAccountsDbContext>();
        AccountsDbContext.Configure(builder, StudioDatabaseSettings.PostgreSql("Host=localhost;Database=studio"));
        return new PostgreSqlAccountsDbContext(builder.Options);
    }
}
