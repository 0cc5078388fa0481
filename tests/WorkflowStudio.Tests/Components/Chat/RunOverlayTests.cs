using Blazor.Diagrams;
using Bunit;
using Microsoft.AspNetCore.Components;
using WorkflowEngine.Caching;
using WorkflowEngine.Events;
using WorkflowEngine.Graphs;
using WorkflowStudio.Components.Chat;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Runs;
using WorkflowStudio.Tests.TestNodes;

namespace WorkflowStudio.Tests.Components.Chat;

public sealed class RunOverlayTests : StudioTestContext
{
    private const string Run = "run-1";
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);
    private readonly BlazorDiagram _diagram = DesignerRegistration.CreateDiagram();

    public RunOverlayTests()
    {
        new DiagramMapper(EditorTestNodes.Registry()).Sync(_diagram, SampleWorkflows.FaqBot("kb-1"));
    }

    private WorkflowNodeModel Node(string id) => _diagram.Nodes.OfType<WorkflowNodeModel>().Single(n => n.NodeId == id);

    private WorkflowLinkModel Link(string from, string to) =>
        _diagram.Links.OfType<WorkflowLinkModel>().Single(l => l.Edge!.From == from && l.Edge.To == to);

    private static NodeSucceeded Succeeded(string nodeId, CacheOutcome cache, double ms = 12, IReadOnlyDictionary<string, string>? details = null) =>
        new(Run, Now, nodeId, nodeId, TimeSpan.FromMilliseconds(ms), cache, "{}", null, details);

    [Fact]
    public void Apply_RunStarted_MarksEveryNodeWaiting()
    {
        // Act
        RunOverlay.Apply(_diagram, new RunStarted(Run, Now, "wf-1", "c-1", "hi"));

        // Assert
        Assert.All(_diagram.Nodes.OfType<WorkflowNodeModel>(), n => Assert.Equal(RunOverlay.Waiting, n.Overlay?.State));
    }

    [Fact]
    public void Apply_RunFailedAtTheModel_StepsAfterItSayNotRunInsteadOfWaiting()
    {
        // Arrange
        RunOverlay.Apply(_diagram, new RunStarted(Run, Now, "wf-1", "c-1", "hi"));
        RunOverlay.Apply(_diagram, Succeeded("start", CacheOutcome.Bypass));
        RunOverlay.Apply(_diagram, new NodeFailed(Run, Now, "llm", "llm", TimeSpan.FromSeconds(1), "The model did not answer."));

        // Act
        var changed = RunOverlay.Apply(_diagram, new RunCompleted(Run, Now, RunStatus.Failed, TimeSpan.FromSeconds(1), null, "The model did not answer.", "llm"));

        // Assert
        Assert.True(changed);
        Assert.Equal(RunOverlay.Skipped, Node("answer").Overlay?.State);
        Assert.Equal("not run", Node("answer").Overlay?.Label);
        Assert.Equal(RunOverlay.Failed, Node("llm").Overlay?.State);
        Assert.NotEqual(RunOverlay.Skipped, Node("start").Overlay?.State);
        Assert.DoesNotContain(_diagram.Nodes.OfType<WorkflowNodeModel>(), n => n.Overlay?.State == RunOverlay.Waiting);
    }

    [Fact]
    public void Apply_NodeStarted_ShowsRunningAndRefreshesOnlyThatNode()
    {
        // Arrange
        var refreshed = new List<string>();
        foreach (var n in _diagram.Nodes.OfType<WorkflowNodeModel>())
        {
            n.Changed += m => refreshed.Add(((WorkflowNodeModel)m).NodeId);
        }

        // Act
        RunOverlay.Apply(_diagram, new NodeStarted(Run, Now, "llm", "llm", "LLM"));

        // Assert
        Assert.Equal(RunOverlay.Running, Node("llm").Overlay?.State);
        Assert.Equal(["llm"], refreshed);
    }

    [Theory]
    [InlineData(CacheLevel.L1, 0.3, "HIT L1 · 0.3 ms")]
    [InlineData(CacheLevel.L2, 2, "HIT L2 · 2 ms")]
    public void Apply_NodeSucceededHit_ShowsGreenHitPillWithLevelAndElapsed(CacheLevel level, double ms, string label)
    {
        // Act
        RunOverlay.Apply(_diagram, Succeeded("retrieve", new CacheOutcome(CacheStatus.Hit, level, TimeSpan.FromMilliseconds(800)), ms));

        // Assert
        var overlay = Node("retrieve").Overlay!;
        Assert.Equal(RunOverlay.Hit, overlay.State);
        Assert.Equal(label, overlay.Label);
        Assert.Contains("saved 800 ms", overlay.Tooltip);
    }

    [Fact]
    public void Apply_NodeSucceededMiss_ShowsAmberMissPillWithElapsed()
    {
        // Act
        RunOverlay.Apply(_diagram, Succeeded("llm", CacheOutcome.Miss, 812));

        // Assert
        Assert.Equal(new NodeOverlay(RunOverlay.Miss, "MISS · 812 ms", Node("llm").Overlay!.Tooltip), Node("llm").Overlay);
    }

    [Fact]
    public void Apply_NodeSucceededNegativeHit_ShowsNotFoundCached()
    {
        // Act
        RunOverlay.Apply(_diagram, Succeeded("retrieve", new CacheOutcome(CacheStatus.NegativeHit, CacheLevel.L1)));

        // Assert
        Assert.Equal(RunOverlay.NegativeHit, Node("retrieve").Overlay?.State);
        Assert.Equal("NOT FOUND (cached)", Node("retrieve").Overlay?.Label);
    }

    [Fact]
    public void Apply_NodeSkipped_ShowsSkippedWithReason()
    {
        // Act
        RunOverlay.Apply(_diagram, new NodeSkipped(Run, Now, "llm", "llm", "The cache answered."));

        // Assert
        Assert.Equal(new NodeOverlay(RunOverlay.Skipped, "skipped", "The cache answered."), Node("llm").Overlay);
    }

    [Fact]
    public void Apply_NodeFailed_ShowsFailedWithMessageOnHover()
    {
        // Act
        RunOverlay.Apply(_diagram, new NodeFailed(Run, Now, "llm", "llm", TimeSpan.FromSeconds(1), "The language model did not answer in time."));

        // Assert
        Assert.Equal(new NodeOverlay(RunOverlay.Failed, "FAILED", "The language model did not answer in time."), Node("llm").Overlay);
    }

    [Fact]
    public void Apply_CacheGateHit_HighlightsTheHitPathOnly()
    {
        // Arrange
        RunOverlay.Apply(_diagram, new RunStarted(Run, Now, "wf-1", "c-1", "hi"));

        // Act
        RunOverlay.Apply(_diagram, Succeeded("start", CacheOutcome.Bypass));
        RunOverlay.Apply(_diagram, Succeeded("clean", CacheOutcome.Bypass));
        RunOverlay.Apply(_diagram, Succeeded("cache", new CacheOutcome(CacheStatus.Hit, CacheLevel.L1)));
        RunOverlay.Apply(_diagram, new NodeSkipped(Run, Now, "retrieve", "retrieve", "bypassed"));
        RunOverlay.Apply(_diagram, Succeeded("answer", CacheOutcome.Bypass));

        // Assert
        Assert.Equal(RunOverlay.PathColor, Link("start", "clean").Color);
        Assert.Equal(RunOverlay.PathColor, Link("cache", "answer").Color);
        Assert.Equal(4, Link("cache", "answer").Width);
        Assert.NotEqual(RunOverlay.PathColor, Link("cache", "retrieve").Color);
        Assert.NotEqual(RunOverlay.PathColor, Link("llm", "answer").Color);
    }

    [Fact]
    public void Clear_AfterRun_RemovesPillsAndPath()
    {
        // Arrange
        RunOverlay.Apply(_diagram, Succeeded("start", CacheOutcome.Bypass));
        RunOverlay.Apply(_diagram, Succeeded("clean", CacheOutcome.Bypass));

        // Act
        RunOverlay.Clear(_diagram);

        // Assert
        Assert.All(_diagram.Nodes.OfType<WorkflowNodeModel>(), n => Assert.Null(n.Overlay));
        Assert.NotEqual(RunOverlay.PathColor, Link("start", "clean").Color);
    }

    [Fact]
    public void Replay_RecordedTrace_ShowsEachNodesFinalState()
    {
        // Arrange
        RunTraceEntry Entry(string id, string status, string? cache, string? level = null) =>
            new(id, id, id, status, cache, level, 3, null, null, cache == "hit" ? 500 : null, null, null, null);

        // Act
        RunOverlay.Replay(_diagram, [Entry("start", "succeeded", "bypass"), Entry("cache", "succeeded", "hit", "L2"), Entry("llm", "skipped", null)]);

        // Assert
        Assert.Equal("HIT L2 · 3 ms", Node("cache").Overlay?.Label);
        Assert.Equal(RunOverlay.Skipped, Node("llm").Overlay?.State);
        Assert.Null(Node("answer").Overlay);
    }

    [Fact]
    public void NodeWidget_WithOverlay_RendersPillUnderTheCardAndSkippedOpacityClass()
    {
        // Arrange
        var node = Node("llm");
        node.Overlay = new NodeOverlay(RunOverlay.Skipped, "skipped", "bypassed");

        // Act
        var cut = Render(b =>
        {
            b.OpenComponent<CascadingValue<BlazorDiagram>>(0);
            b.AddAttribute(1, "Value", _diagram);
            b.AddAttribute(2, "ChildContent", (RenderFragment)(c =>
            {
                c.OpenComponent<NodeWidget>(0);
                c.AddAttribute(1, "Node", node);
                c.CloseComponent();
            }));
            b.CloseComponent();
        });

        // Assert
        var pill = cut.Find("[data-testid=node-overlay]");
        Assert.Equal("skipped", pill.TextContent.Trim());
        Assert.Equal("bypassed", pill.GetAttribute("title"));
        Assert.Contains("wf-node-skipped", cut.Find(".wf-node").ClassList);
    }

    [Fact]
    public void NodeWidget_Running_ShowsSpinner()
    {
        // Arrange
        var node = Node("llm");
        RunOverlay.Apply(_diagram, new NodeStarted(Run, Now, "llm", "llm", "LLM"));

        // Act
        var cut = Render(b =>
        {
            b.OpenComponent<CascadingValue<BlazorDiagram>>(0);
            b.AddAttribute(1, "Value", _diagram);
            b.AddAttribute(2, "ChildContent", (RenderFragment)(c =>
            {
                c.OpenComponent<NodeWidget>(0);
                c.AddAttribute(1, "Node", node);
                c.CloseComponent();
            }));
            b.CloseComponent();
        });

        // Assert
        Assert.Single(cut.FindAll(".wf-overlay-spinner"));
        Assert.Equal("running", cut.Find(".wf-node").GetAttribute("data-run-state"));
    }
}
