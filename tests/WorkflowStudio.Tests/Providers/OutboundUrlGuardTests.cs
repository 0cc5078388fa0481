using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;
using WorkflowStudio.Components.Pages.Workflows;
using WorkflowStudio.Providers;

namespace WorkflowStudio.Tests.Providers;

/// <summary>Where model calls go is an administrator's choice: the server check behind the editor's save and the import.</summary>
public sealed class OutboundUrlGuardTests : StudioTestContext
{
    private const string AdminUrl = "http://localhost:11434/v1";

    protected override void ConfigureServices(IServiceCollection services) => UseStudioDatabase();

    [Theory]
    [InlineData(StudioRoles.Editor, "http://169.254.169.254/v1", false)]
    [InlineData(StudioRoles.Editor, "http://localhost:11435/v1", false)]
    [InlineData(StudioRoles.Editor, AdminUrl + "/", true)]
    [InlineData(StudioRoles.Editor, "", true)]
    [InlineData(StudioRoles.Admin, "http://169.254.169.254/v1", true)]
    public async Task CheckAsync_SavingAnLlmBaseUrl_OnlyAnAdminMaySetOrChangeIt(string role, string url, bool allowed)
    {
        // Arrange: an administrator set a keyless endpoint earlier.
        var stored = await Service<WorkflowStore>().CreateAsync(WithBaseUrl(AdminUrl));
        Authorization.SetRoles(role);

        // Act
        var refusal = await Service<OutboundUrlGuard>().CheckAsync(stored.Id, WithBaseUrl(url));

        // Assert
        Assert.Equal(allowed ? null : OutboundUrlGuard.RefusedMessage, refusal);
    }

    [Fact]
    public async Task ImportAsync_AsEditorWithAnLlmBaseUrl_RefusedAndNothingStored()
    {
        // Arrange
        Authorization.SetRoles(StudioRoles.Editor);

        // Act
        var result = await Service<WorkflowLibrary>().ImportAsync(WorkflowJson.Serialize(WithBaseUrl("http://10.0.0.7:8080/v1")), "bot.json");

        // Assert
        Assert.False(result.Succeeded);
        Assert.Equal(OutboundUrlGuard.RefusedMessage, Assert.Single(result.Problems).Message);
        Assert.Empty(await Service<WorkflowStore>().ListAsync());
    }

    [Fact]
    public async Task ImportAsync_AsAdminWithAnLlmBaseUrl_Imported()
    {
        // Act
        var result = await Service<WorkflowLibrary>().ImportAsync(WorkflowJson.Serialize(WithBaseUrl("http://10.0.0.7:8080/v1")), "bot.json");

        // Assert
        Assert.True(result.Succeeded);
        var addresses = OutboundUrlGuard.AddressesByNode(result.Workflow!.Graph, Service<NodeRegistry>());
        Assert.Equal(["http://10.0.0.7:8080/v1"], Assert.Single(addresses).Value);
    }

    private static WorkflowGraph WithBaseUrl(string url)
    {
        var graph = SampleWorkflows.FaqBot("kb-1");
        var settings = JsonSerializer.SerializeToElement(new { baseUrl = url, model = "m", prompt = "{{ template.text }}" });
        return graph with { Nodes = [.. graph.Nodes.Select(n => n.Id == "llm" ? n with { Settings = settings } : n)] };
    }
}
