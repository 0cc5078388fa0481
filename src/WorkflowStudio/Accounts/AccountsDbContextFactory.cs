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
        AccountsDbContext.Configure(builder, StudioDatabase.DefaultConnectionString);
        return new AccountsDbContext(builder.Options);
    }
}
