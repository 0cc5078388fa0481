using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using WorkflowEngine.Graphs;
using WorkflowStudio.Components.Inspector;
using WorkflowStudio.Components.Pages.Editor;
using WorkflowStudio.Providers;

namespace WorkflowStudio.Tests.Components.Inspector;

/// <summary>The llm node's form with the real encrypted provider store behind its provider picker.</summary>
public sealed class LlmSettingsTests : StudioTestContext
{
    protected override void ConfigureServices(IServiceCollection services)
    {
        UseStudioDatabase();
        services.AddWorkflowEditor();
    }

    [Fact]
    public async Task ChooseProvider_FromThePicker_SetsProviderClearsKeylessUrlAndNeverOffersAKeyField()
    {
        // Arrange
        var provider = (await Service<ModelProviderStore>().CreateAsync(
            new ModelProviderInput("Team OpenAI", "https://api.openai.com/v1", "gpt-4o-mini", "sk-inspector-0123456789"))).Provider!;
        var session = Load(new { baseUrl = "http://localhost:11434/v1", model = "" });
        var inspector = RenderInspector();
        var picker = inspector.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Provider");

        // Act
        await inspector.InvokeAsync(() => picker.Instance.ValueChanged.InvokeAsync(provider.Id));

        // Assert
        var settings = session.Graph.FindNode("llm")!.Settings;
        Assert.Equal(provider.Id, settings.GetProperty("provider").GetString());
        Assert.Equal("", settings.GetProperty("baseUrl").GetString());
        inspector.WaitForAssertion(() => Assert.Contains("provider's default model (gpt-4o-mini)", inspector.Markup));
        Assert.DoesNotContain("API key", inspector.Markup);
        Assert.DoesNotContain("sk-inspector-0123456789", inspector.Markup);
    }

    [Fact]
    public void Render_ProviderDeleted_WarnsThatRunsWillFail()
    {
        // Arrange
        Load(new { provider = "deleted-provider-id" });

        // Act
        var inspector = RenderInspector();

        // Assert
        Assert.Contains("was deleted", inspector.Find("[data-testid=llm-provider-missing]").TextContent);
    }

    [Fact]
    public void Render_AsAdmin_KeylessEndpointIsEditable()
    {
        // Arrange
        Load(new { baseUrl = "http://localhost:11434/v1" });

        // Act
        var inspector = RenderInspector();

        // Assert
        inspector.WaitForElement("[data-testid=llm-base-url]");
        Assert.Empty(inspector.FindAll("[data-testid=llm-base-url-readonly]"));
    }

    [Fact]
    public void Render_AsEditor_KeylessEndpointIsReadOnlyOrHidden()
    {
        // Arrange
        Authorization.SetRoles(WorkflowStudio.Accounts.StudioRoles.Editor);
        var session = Load(new { baseUrl = "http://localhost:11434/v1" });

        // Act
        var withUrl = RenderInspector();
        var shown = withUrl.WaitForElement("[data-testid=llm-base-url-readonly] input, input[data-testid=llm-base-url-readonly]");
        var (readOnly, value) = (shown.HasAttribute("readonly"), shown.GetAttribute("value"));
        session.UpdateNode("llm", n => n with { Settings = JsonSerializer.SerializeToElement(new { baseUrl = "" }) });

        // Assert
        Assert.True(readOnly);
        Assert.Equal("http://localhost:11434/v1", value);
        withUrl.WaitForAssertion(() => Assert.Empty(withUrl.FindAll("[data-testid=llm-base-url-readonly]")));
        Assert.Empty(withUrl.FindAll("[data-testid=llm-base-url]"));
    }

    private EditorSession Load(object llmSettings)
    {
        var graph = SampleWorkflows.FaqBot("kb-1");
        var settings = JsonSerializer.SerializeToElement(llmSettings);
        graph = graph with { Nodes = [.. graph.Nodes.Select(n => n.Id == "llm" ? n with { Settings = settings } : n)] };
        var session = Service<EditorSession>();
        session.Load("wf-1", graph, version: 1);
        session.Select(["llm"]);
        return session;
    }

    private IRenderedComponent<NodeInspector> RenderInspector()
    {
        Render<MudPopoverProvider>();
        return Render<NodeInspector>();
    }
}
