using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using WorkflowEngine.Caching;
using WorkflowEngine.Caching.Semantic;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Nodes.Types;
using WorkflowStudio.Components.Inspector;
using WorkflowStudio.Components.Pages.Editor;
using WorkflowStudio.Samples;

namespace WorkflowStudio.Tests.Components.Inspector;

/// <summary>The cache gate's form on the real engine: the sample knowledge base, the embedded MiniLM model and the real
/// semantic matcher behind the "test phrasing" box.</summary>
public sealed class CacheGateSettingsTests : StudioTestContext
{
    // The first comparison loads the embedding model; the machine may be busy.
    private static readonly TimeSpan ModelTimeout = TimeSpan.FromMinutes(3);

    protected override void ConfigureServices(IServiceCollection services)
    {
        UseStudioDatabase();
        services.AddWorkflowEditor();
    }

    [Fact]
    public async Task Threshold_NotSetOnNode_ShowsTheEnginesDefault()
    {
        // Arrange: a semantic gate without its own threshold.
        await LoadSampleBotAsync(new { input = "{{ clean.text }}", matchMode = "semantic" });

        // Act
        var inspector = RenderInspector();

        // Assert
        var expected = new CacheNode.Config().Threshold.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"Similarity needed: {expected}", inspector.Find("[data-testid=threshold]").TextContent, StringComparison.Ordinal);
        Assert.Contains("same help article", inspector.Find("[data-testid=threshold-help]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StandaloneQuestion_SwitchedOn_WrittenIntoTheGateSettingsKeepingTheOthers()
    {
        // Arrange
        await LoadSampleBotAsync(new { input = "{{ clean.text }}", matchMode = "exact" });
        var inspector = RenderInspector();

        // Act
        inspector.Find("[data-testid=standalone-question] input").Change(true);

        // Assert
        var settings = Service<EditorSession>().Graph.FindNode("cache")!.Settings;
        Assert.True(settings.GetProperty("standaloneQuestion").GetBoolean());
        Assert.Equal("exact", settings.GetProperty("matchMode").GetString());
    }

    [Fact]
    public async Task Compare_ParaphraseOnSampleKnowledgeBase_ShowsWouldMatchWithPassedChecks()
    {
        // Arrange
        await LoadSampleBotAsync(new { input = "{{ clean.text }}", matchMode = "semantic" });
        var inspector = RenderInspector();

        // Act: a pair the default (calibrated, balanced) decision serves; most English paraphrases now stay below its
        // probability threshold (docs/caching.md, "The hit decision").
        var result = Compare(inspector, "退款要多久", "退款需要多久");

        // Assert
        Assert.True(Verdict(result).StartsWith("Would match", StringComparison.Ordinal), result.TextContent);
        Assert.Contains("Passed: both lead to the same help article", result.TextContent, StringComparison.Ordinal);
        Assert.Empty(result.QuerySelectorAll("[data-passed=false]"));
    }

    [Fact]
    public async Task Compare_RefundVersusReturn_ShowsWouldNotMatchWithTheFailedCheck()
    {
        // Arrange
        await LoadSampleBotAsync(new { input = "{{ clean.text }}", matchMode = "semantic" });
        var inspector = RenderInspector();

        // Act
        var result = Compare(inspector, "How do I get a refund?", "How do I return an item?");

        // Assert
        Assert.True(Verdict(result).StartsWith("Would not match", StringComparison.Ordinal), result.TextContent);
        Assert.NotEmpty(result.QuerySelectorAll("[data-passed=false]"));
        Assert.Contains("Failed:", result.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Strictness_NotSetOnNode_ShowsTheServerDefaultsFiguresOnQuestionsNeverTunedOn()
    {
        // Arrange
        await LoadSampleBotAsync(new { input = "{{ clean.text }}", matchMode = "semantic" });

        // Act
        var inspector = RenderInspector();

        // Assert: the figures recorded with the model for the server's strictness (Balanced unless configured).
        var measured = HitModel.Default.Measured[MatchStrictness.Balanced];
        var text = inspector.Find("[data-testid=strictness-measured]").TextContent;
        Assert.Contains($"{measured.Paraphrases} reworded questions never used to tune the cache", text, StringComparison.Ordinal);
        Assert.Contains($"{measured.HitsCorrect} of {measured.Hits} reused answers right", text, StringComparison.Ordinal);
        Assert.Contains("Server default (Balanced)", inspector.Find("[data-testid=strictness]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Strictness_StrictOnNode_ShowsStrictsFiguresAndTheComparisonNeedsItsProbability()
    {
        // Arrange
        await LoadSampleBotAsync(new { input = "{{ clean.text }}", matchMode = "semantic", strictness = "strict" });
        var inspector = RenderInspector();
        var measured = HitModel.Default.Measured[MatchStrictness.Strict];

        // Act
        var result = Compare(inspector, "退款要多久", "退款需要多久");

        // Assert: the form shows Strict's figures, and the test-phrasing box decides as a strict gate would.
        Assert.Contains($"{measured.HitsCorrect} of {measured.Hits} reused answers right", inspector.Find("[data-testid=strictness-measured]").TextContent, StringComparison.Ordinal);
        var needed = HitModel.Default.Threshold(MatchStrictness.Strict).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"(needs {needed}, strict)", result.QuerySelector("[data-check=probability]")!.TextContent, StringComparison.Ordinal);
    }

    private async Task LoadSampleBotAsync(object cacheSettings)
    {
        var graph = await Service<StudioSamples>().FaqBotAsync();
        await Service<KnowledgeBaseService>().WaitForIndexingAsync(SampleKnowledgeBase.Id);
        var settings = JsonSerializer.SerializeToElement(cacheSettings, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        graph = graph with { Nodes = [.. graph.Nodes.Select(n => n.Id == "cache" ? n with { Settings = settings } : n)] };
        var session = Service<EditorSession>();
        session.Load("wf-1", graph, version: 1);
        session.Select(["cache"]);
    }

    private IRenderedComponent<NodeInspector> RenderInspector()
    {
        Render<MudPopoverProvider>();
        return Render<NodeInspector>();
    }

    private static AngleSharp.Dom.IElement Compare(IRenderedComponent<NodeInspector> inspector, string cached, string asked)
    {
        inspector.Find("[data-testid=compare-cached] input").Input(cached);
        inspector.Find("[data-testid=compare-asked] input").Input(asked);
        inspector.Find("[data-testid=compare]").Click();
        inspector.WaitForElement("[data-testid=compare-result]", ModelTimeout);
        return inspector.Find("[data-testid=compare-result]");
    }

    private static string Verdict(AngleSharp.Dom.IElement result) => result.QuerySelector("[data-testid=compare-verdict]")!.TextContent.Trim();
}
