using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using WorkflowEngine.Graphs;
using WorkflowStudio.Components.Inspector;
using WorkflowStudio.Components.Pages.Editor;

namespace WorkflowStudio.Tests.Components.Inspector;

/// <summary>The inspector's Cache tab offers "Clear this step's cache" for a cached step, on the engine's real invalidation.</summary>
public sealed class CacheTabClearTests : StudioTestContext
{
    protected override void ConfigureServices(IServiceCollection services)
    {
        UseStudioDatabase();
        services.AddWorkflowEditor();
    }

    [Fact]
    public void ClearStepCache_CachedLlmStepConfirmed_ClearsThatStepAndSaysSo()
    {
        // Arrange: the inspector on the sample bot's cached llm step (what clearing does to cached entries on every instance is
        // tested in the engine's CacheInvalidationTests).
        var session = Service<EditorSession>();
        session.Load("wf-clear", SampleWorkflows.FaqBot("kb-1"), version: 1);
        session.Select(["llm"]);
        var cut = RenderWithProviders<NodeInspector>();

        // Act
        var button = cut.Find("[data-testid=clear-cache]");
        var node = button.GetAttribute("data-node");
        button.Click();
        var question = cut.WaitForElement(".mud-dialog").TextContent;
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Clear cache").Click();

        // Assert
        Assert.Equal("llm", node);
        Assert.Contains("Clear this step's cache?", question);
        cut.WaitForAssertion(() => Assert.Contains("Cleared the cache of the step", cut.Markup));
    }

    [Fact]
    public void Render_StepWithCachingOff_OffersNoClearButton()
    {
        // Arrange: the sample bot's template step does not cache.
        var session = Service<EditorSession>();
        session.Load("wf-clear", SampleWorkflows.FaqBot("kb-1"), version: 1);
        session.Select(["template"]);

        // Act
        Render<MudPopoverProvider>();
        var cut = Render<NodeInspector>();

        // Assert
        Assert.False(session.Graph.FindNode("template")!.Cache.Enabled);
        Assert.Empty(cut.FindAll("[data-testid=clear-cache]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=cache-settings]"));
    }
}
