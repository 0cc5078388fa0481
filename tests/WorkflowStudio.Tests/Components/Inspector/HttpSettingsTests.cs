using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowStudio.Accounts;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Components.Inspector;
using WorkflowStudio.Components.Pages.Editor;

namespace WorkflowStudio.Tests.Components.Inspector;

/// <summary>The HTTP request step's form in the real inspector and editor session.</summary>
public sealed class HttpSettingsTests : StudioTestContext
{
    private const string Url = "https://api.example.com/orders/{{ start.query | url_encode }}";

    protected override void ConfigureServices(IServiceCollection services)
    {
        UseStudioDatabase();
        services.AddWorkflowEditor();
    }

    [Fact]
    public void Render_AsAdmin_MethodAndUrlAreEditableAndWrittenIntoTheSettings()
    {
        // Arrange
        var session = Load(new { url = "" });
        var inspector = RenderInspector();
        var method = inspector.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Method");

        // Act
        inspector.Find("[data-testid=http-url] input, input[data-testid=http-url]").Change(Url);
        inspector.InvokeAsync(() => method.Instance.ValueChanged.InvokeAsync("POST"));

        // Assert
        var settings = session.Graph.FindNode("http")!.Settings;
        Assert.Equal(Url, settings.GetProperty("url").GetString());
        Assert.Equal("POST", settings.GetProperty("method").GetString());
        Assert.Empty(inspector.FindAll("[data-testid=http-url-readonly]"));
    }

    [Theory]
    [InlineData(StudioRoles.Editor)]
    [InlineData(StudioRoles.Viewer)]
    public void Render_AsNonAdmin_MethodAndUrlAreReadOnly(string role)
    {
        // Arrange
        Authorization.SetRoles(role);
        Load(new { url = Url, method = "DELETE" });

        // Act
        var inspector = RenderInspector();

        // Assert
        var url = inspector.WaitForElement("[data-testid=http-url-readonly] input, input[data-testid=http-url-readonly]");
        var method = inspector.Find("[data-testid=http-method-readonly] input, input[data-testid=http-method-readonly]");
        Assert.True(url.HasAttribute("readonly"));
        Assert.Equal(Url, url.GetAttribute("value"));
        Assert.True(method.HasAttribute("readonly"));
        Assert.Equal("DELETE", method.GetAttribute("value"));
        Assert.Empty(inspector.FindAll("[data-testid=http-url]"));
        Assert.DoesNotContain(inspector.FindComponents<MudSelect<string>>(), s => s.Instance.Label == "Method");
        Assert.Contains("only an administrator can change", inspector.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_AsEditor_HeadersBodyAndPathStayEditable()
    {
        // Arrange
        Authorization.SetRoles(StudioRoles.Editor);
        var session = Load(new { url = Url, method = "POST" });
        var inspector = RenderInspector();

        // Act
        inspector.Find("[data-testid=http-body] textarea, textarea[data-testid=http-body]").Change("""{"q": {{ start.query | json }}}""");
        inspector.Find("[data-testid=http-json-path] input, input[data-testid=http-json-path]").Change("$.order.status");

        // Assert
        var settings = session.Graph.FindNode("http")!.Settings;
        Assert.Equal("""{"q": {{ start.query | json }}}""", settings.GetProperty("body").GetString());
        Assert.Equal("$.order.status", settings.GetProperty("jsonPath").GetString());
        Assert.Equal(Url, settings.GetProperty("url").GetString());
    }

    [Fact]
    public void Headers_AddedFilledAndRemoved_WrittenIntoTheSettingsKeepingTheOthers()
    {
        // Arrange
        var session = Load(new { url = Url, headers = new[] { new { name = "Accept", value = "application/json" } } });
        var inspector = RenderInspector();

        // Act
        inspector.Find("[data-testid=http-add-header]").Click();
        inspector.FindAll("[data-testid=http-header-name] input, input[data-testid=http-header-name]")[1].Change("X-Order");
        inspector.FindAll("[data-testid=http-header-value] input, input[data-testid=http-header-value]")[1].Change("{{ start.query }}");
        inspector.FindAll("[data-testid=http-remove-header]")[0].Click();

        // Assert
        var settings = session.Graph.FindNode("http")!.Settings;
        var header = Assert.Single(settings.GetProperty("headers").EnumerateArray());
        Assert.Equal(("X-Order", "{{ start.query }}"), (header.GetProperty("name").GetString(), header.GetProperty("value").GetString()));
        Assert.Equal(Url, settings.GetProperty("url").GetString());
        Assert.Single(inspector.FindAll("[data-testid=http-header-row]"));
    }

    [Fact]
    public void Render_Get_HasNoBodyAndSaysRetriesCoverServerErrors()
    {
        // Arrange
        Load(new { url = Url, method = "GET" });

        // Act
        var inspector = RenderInspector();

        // Assert
        Assert.Empty(inspector.FindAll("[data-testid=http-body]"));
        Assert.Contains("Tries again after a server error", inspector.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Post_HasABodyAndSaysItIsNeverSentTwice()
    {
        // Arrange
        Load(new { url = Url, method = "POST" });

        // Act
        var inspector = RenderInspector();

        // Assert
        Assert.Single(inspector.FindAll("[data-testid=http-body]"));
        Assert.Contains("A POST is tried again only when no connection could be made", inspector.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void ContinueOnErrorStatus_SwitchedOn_WrittenIntoTheSettings()
    {
        // Arrange
        var session = Load(new { url = Url });
        var inspector = RenderInspector();

        // Act
        inspector.Find("[data-testid=http-continue-on-error] input").Change(true);

        // Assert
        Assert.True(session.Graph.FindNode("http")!.Settings.GetProperty("continueOnErrorStatus").GetBoolean());
        Assert.Contains("{{ http.status }}", inspector.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void AddNode_FromThePalette_ToolsGroupAndTheCardSaysWhatItCalls()
    {
        // Arrange
        var session = Service<EditorSession>();
        session.Load("wf-1", SampleWorkflows.FaqBot("kb-1"), version: 1);
        var descriptor = Service<NodeRegistry>().Find(NodeRegistry.KeyOf<HttpNode>())!;

        // Act
        var id = session.AddNode(descriptor.Key, new NodePosition(0, 0));
        var added = descriptor.Summarize(session.Graph.FindNode(id)!);
        session.UpdateNode(id, n => n with { Settings = JsonSerializer.SerializeToElement(new { method = "post", url = "https://api.example.com/orders" }) });
        var diagram = DesignerRegistration.CreateDiagram();
        Service<DiagramMapper>().Sync(diagram, session.Graph, []);

        // Assert
        Assert.Equal("Tools", descriptor.Metadata.Category);
        Assert.Equal("No address yet", added);
        Assert.False(session.Graph.FindNode(id)!.Cache.Enabled);
        Assert.Equal(300, session.Graph.FindNode(id)!.Cache.TtlSeconds);
        var card = diagram.Nodes.OfType<WorkflowNodeModel>().Single(m => m.NodeId == id);
        Assert.Equal("POST https://api.example.com/orders", card.Summary);
    }

    private EditorSession Load(object httpSettings)
    {
        var graph = SampleWorkflows.FaqBot("kb-1");
        var node = new NodeDefinition("http", NodeRegistry.KeyOf<HttpNode>(), "Order lookup", JsonSerializer.SerializeToElement(httpSettings), NodeCacheSettings.Disabled);
        graph = graph with { Nodes = graph.Nodes.Add(node), Edges = graph.Edges.Add(new WorkflowEngine.Graphs.Edge("start", "http")) };
        var session = Service<EditorSession>();
        session.Load("wf-1", graph, version: 1);
        session.Select(["http"]);
        return session;
    }

    private IRenderedComponent<NodeInspector> RenderInspector()
    {
        Render<MudPopoverProvider>();
        return Render<NodeInspector>();
    }
}
