using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;
using WorkflowStudio.Components.Pages.Workflows;
using WorkflowStudio.Samples;

namespace WorkflowStudio.Tests.Pages.Workflows;

/// <summary>The server refuses what the Workflows page hides from viewers.</summary>
public sealed class WorkflowLibraryAccessTests : StudioTestContext
{
    protected override void ConfigureServices(IServiceCollection services) => UseStudioDatabase();

    [Fact]
    public async Task ChangingActions_AsViewer_AreRefusedAndChangeNothing()
    {
        // Arrange
        var store = Service<WorkflowStore>();
        var bot = await store.CreateAsync(await Service<StudioSamples>().FaqBotAsync());
        Authorization.SetRoles(StudioRoles.Viewer);
        var library = Service<WorkflowLibrary>();

        // Act
        var refusals = new[]
        {
            await Record.ExceptionAsync(() => library.DeleteAsync(bot.Id)),
            await Record.ExceptionAsync(() => library.RenameAsync(bot.Id, "Renamed")),
            await Record.ExceptionAsync(() => library.DuplicateAsync(bot.Id)),
            await Record.ExceptionAsync(() => library.CreateBlankAsync()),
            await Record.ExceptionAsync(() => library.ImportAsync("{}", "bot.json")),
        };
        var export = await library.ExportAsync(bot.Id);

        // Assert
        Assert.All(refusals, e => Assert.IsType<StudioAccessDeniedException>(e));
        var stored = Assert.Single(await store.ListAsync());
        Assert.Equal(bot.Graph.Name, stored.Name);
        Assert.NotNull(export);
    }

    [Fact]
    public async Task DeleteAsync_AsEditor_Deletes()
    {
        // Arrange
        var store = Service<WorkflowStore>();
        var bot = await store.CreateAsync(await Service<StudioSamples>().FaqBotAsync());
        Authorization.SetRoles(StudioRoles.Editor);

        // Act
        var deleted = await Service<WorkflowLibrary>().DeleteAsync(bot.Id);

        // Assert
        Assert.True(deleted);
        Assert.Empty(await store.ListAsync());
    }
}
