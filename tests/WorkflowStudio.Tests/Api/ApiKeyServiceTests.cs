using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkflowEngine.Persistence;
using WorkflowStudio.Api;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Api;

/// <summary>Run keys stored, checked and revoked on each database provider.</summary>
public sealed class ApiKeyServiceTests
{
    [Theory, BothDatabases]
    public async Task CheckAsync_CreatedKey_IsARunKeyOfItsWorkflowAndOnlyItsHashIsStored(DatabaseProvider provider)
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = await StartAsync(database);
        var keys = Keys(services);
        var created = await keys.CreateAsync("wf-a", "Website");

        // Act
        var check = await keys.CheckAsync("Bearer " + created.Key);
        var listed = await keys.ListAsync("wf-a");

        // Assert
        Assert.Equal(KeyCheck.RunKey, check.Result);
        Assert.Equal("wf-a", check.Key!.WorkflowId);
        Assert.Equal(created.Id, Assert.Single(listed).Id);
        Assert.Empty(await keys.ListAsync("wf-b"));
        await using var db = await services.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        Assert.DoesNotContain(await db.ApiKeys.Select(k => k.Hash).ToListAsync(), h => h.Contains(created.Key, StringComparison.Ordinal));
    }

    [Theory, BothDatabases]
    public async Task CheckAsync_KeyRevokedOnAnotherInstance_RefusedOnceThisInstanceReadsItAgain(DatabaseProvider provider)
    {
        // Arrange: two instances on one database; B has never seen the key.
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var a = await StartAsync(database);
        await using var b = await StartAsync(database);
        var created = await Keys(a).CreateAsync("wf-a", "Website");

        // Act
        var revoked = await Keys(a).RevokeAsync("wf-a", created.Id);
        var onA = await Keys(a).CheckAsync("Bearer " + created.Key);
        var onB = await Keys(b).CheckAsync("Bearer " + created.Key);

        // Assert
        Assert.True(revoked);
        Assert.Equal(KeyCheck.Revoked, onA.Result);
        Assert.Equal(KeyCheck.Revoked, onB.Result);
        Assert.NotNull(Assert.Single(await Keys(b).ListAsync("wf-a")).RevokedAt);
    }

    private static ApiKeyService Keys(IServiceProvider services) => services.GetRequiredService<ApiKeyService>();

    private static async Task<ServiceProvider> StartAsync(TestDatabase database)
    {
        var services = new ServiceCollection();
        services.AddStudioPersistence(database.Settings);
        services.AddSingleton(Options.Create(new ApiOptions()));
        services.AddSingleton<ApiKeyService>();
        var provider = services.BuildServiceProvider();
        await using var db = await provider.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        await StudioDatabase.MigrateAsync(db);
        return provider;
    }
}
