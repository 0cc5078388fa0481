using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;
using WorkflowStudio.Components.Pages.Workflows;
using WorkflowStudio.Providers;

namespace WorkflowStudio.Tests.Providers;

/// <summary>Where model calls go is an administrator's choice: the server check behind the editor's save and the import.</summary>
public sealed class OutboundUrlGuardTests : StudioTestContext
{
    private const string AdminUrl = "http://localhost:11434/v1";
    private const string HttpUrl = "https://api.example.com/orders/{{ start.query }}";

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

    [Theory]
    [InlineData(StudioRoles.Editor, "GET", "http://169.254.169.254/latest/meta-data", false)]
    [InlineData(StudioRoles.Editor, "GET", "https://api.example.com/orders/{{ start.query }}?all=true", false)]
    [InlineData(StudioRoles.Editor, "DELETE", HttpUrl, false)]
    [InlineData(StudioRoles.Editor, "get", HttpUrl, true)]
    [InlineData(StudioRoles.Editor, "GET", "", true)]
    [InlineData(StudioRoles.Admin, "DELETE", "http://169.254.169.254/latest/meta-data", true)]
    public async Task CheckAsync_SavingAnHttpStep_OnlyAnAdminMaySetOrChangeItsMethodOrUrl(string role, string method, string url, bool allowed)
    {
        // Arrange: an administrator added an HTTP request step (GET) earlier.
        var stored = await Service<WorkflowStore>().CreateAsync(WithHttpUrl(HttpUrl));
        Authorization.SetRoles(role);

        // Act
        var refusal = await Service<OutboundUrlGuard>().CheckAsync(stored.Id, WithHttpUrl(url, method));

        // Assert
        Assert.Equal(allowed ? null : OutboundUrlGuard.RefusedMessage, refusal);
    }

    [Fact]
    public async Task CheckAsync_EditorCopiesTheAdminsHttpStep_RefusedForTheCopy()
    {
        // Arrange: an approved address is approved for its step, not for any new step that names it.
        var stored = await Service<WorkflowStore>().CreateAsync(WithHttpUrl(HttpUrl));
        Authorization.SetRoles(StudioRoles.Editor);
        var graph = WithHttpUrl(HttpUrl);
        var copy = graph.Nodes.Single(n => n.Id == "http") with { Id = "http2" };

        // Act
        var refusal = await Service<OutboundUrlGuard>().CheckAsync(stored.Id, graph with { Nodes = graph.Nodes.Add(copy) });

        // Assert
        Assert.Equal(OutboundUrlGuard.RefusedMessage, refusal);
    }

    [Fact]
    public async Task CheckAsync_EditorMovesTheAdminsLlmBaseUrlIntoAnHttpStep_Refused()
    {
        // Arrange: the addresses are compared step by step, so an allowed address does not become allowed on another step.
        var stored = await Service<WorkflowStore>().CreateAsync(WithBaseUrl(AdminUrl));
        Authorization.SetRoles(StudioRoles.Editor);
        var graph = WithBaseUrl(AdminUrl);
        graph = graph with { Nodes = graph.Nodes.AddRange(WithHttpUrl(AdminUrl).Nodes.Where(n => n.Id == "http")) };

        // Act
        var refusal = await Service<OutboundUrlGuard>().CheckAsync(stored.Id, graph);

        // Assert
        Assert.Equal(OutboundUrlGuard.RefusedMessage, refusal);
    }

    private static WorkflowGraph WithHttpUrl(string url, string method = "GET")
    {
        var graph = SampleWorkflows.FaqBot("kb-1");
        var settings = JsonSerializer.SerializeToElement(new { url, method });
        return graph with { Nodes = graph.Nodes.Add(new NodeDefinition("http", NodeRegistry.KeyOf<HttpNode>(), "HTTP request", settings, NodeCacheSettings.Disabled)) };
    }

    private static WorkflowGraph WithBaseUrl(string url)
    {
        var graph = SampleWorkflows.FaqBot("kb-1");
        var settings = JsonSerializer.SerializeToElement(new { baseUrl = url, model = "m", prompt = "{{ template.text }}" });
        return graph with { Nodes = [.. graph.Nodes.Select(n => n.Id == "llm" ? n with { Settings = settings } : n)] };
    }
}
