using Bunit;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowStudio.Api;
using WorkflowStudio.Components.Pages.Publish;

namespace WorkflowStudio.Tests.Pages.Publish;

/// <summary>The API access page on the real key service and SQLite: a key is shown once, only its hash is kept, revoking works.</summary>
public sealed class ApiAccessPageTests : StudioTestContext
{
    protected override void ConfigureServices(IServiceCollection services)
    {
        UseStudioDatabase();
        services.AddOptions<ApiOptions>();
        services.AddSingleton<ApiKeyService>();
    }

    [Fact]
    public async Task Render_NewWorkflow_ShowsEndpointCurlExampleAndEmptyKeys()
    {
        // Arrange
        var workflow = await Service<WorkflowStore>().CreateAsync(SampleWorkflows.FaqBot("kb-1"));

        // Act
        var cut = RenderPage(workflow.Id);

        // Assert
        cut.WaitForElement("[data-testid=keys-empty]");
        Assert.Contains($"/api/workflows/{workflow.Id}/run", cut.Find("[data-testid=api-endpoint]").TextContent);
        Assert.Contains("Authorization: Bearer $RUN_KEY", cut.Find("[data-testid=api-example]").TextContent);
        Assert.Equal("/api/reference/v1", cut.Find("[data-testid=api-reference]").GetAttribute("href"));
    }

    [Fact]
    public async Task CreateKey_ThenRevokeConfirmed_KeyShownOnceWorksThenIsRefused()
    {
        // Arrange
        var workflow = await Service<WorkflowStore>().CreateAsync(SampleWorkflows.FaqBot("kb-1"));
        var keys = Service<ApiKeyService>();
        var cut = RenderPage(workflow.Id);
        cut.WaitForElement("[data-testid=keys-empty]");

        // Act: create.
        cut.Find("[data-testid=new-key-name] input, input[data-testid=new-key-name]").Change("Website widget");
        cut.Find("[data-testid=create-key]").Click();
        var key = cut.WaitForElement("[data-testid=created-key-value]").TextContent.Trim();
        var checkWhileActive = await keys.CheckAsync("Bearer " + key);
        var listed = cut.Find("[data-testid=key-list]").TextContent;

        // Act: revoke, confirming.
        cut.Find("[data-testid=revoke-key]").Click();
        var question = cut.WaitForElement(".mud-dialog").TextContent;
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Revoke").Click();

        // Assert
        Assert.StartsWith(ApiKeyService.KeyPrefix, key);
        Assert.Equal(KeyCheck.RunKey, checkWhileActive.Result);
        Assert.Equal(workflow.Id, checkWhileActive.Key?.WorkflowId);
        Assert.Contains("Website widget", listed);
        Assert.DoesNotContain(key, listed);
        Assert.Contains("Revoke this key?", question);
        cut.WaitForAssertion(() => Assert.Contains("revoked", cut.Find("[data-testid=key-status]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=created-key-value]"));
        Assert.Equal(KeyCheck.Revoked, (await keys.CheckAsync("Bearer " + key)).Result);
    }

    [Fact]
    public void Render_UnknownWorkflow_SaysSoWithAWayBack()
    {
        // Act
        var cut = RenderPage("no-such-workflow");

        // Assert
        Assert.Contains("does not exist", cut.WaitForElement("[data-testid=api-not-found]").TextContent);
    }

    private IRenderedComponent<Bunit.Rendering.ContainerFragment> RenderPage(string workflowId) =>
        RenderWithProviders<ApiAccessPage>(new Dictionary<string, object?> { [nameof(ApiAccessPage.WorkflowId)] = workflowId });
}
