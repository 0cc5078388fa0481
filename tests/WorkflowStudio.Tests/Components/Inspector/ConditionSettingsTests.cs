using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowStudio.Components.Chat;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Components.Inspector;
using WorkflowStudio.Components.Pages.Editor;

namespace WorkflowStudio.Tests.Components.Inspector;

/// <summary>The condition step's form in the real inspector and editor session, and the step on the palette and canvas.</summary>
public sealed class ConditionSettingsTests : StudioTestContext
{
    protected override void ConfigureServices(IServiceCollection services)
    {
        UseStudioDatabase();
        services.AddWorkflowEditor();
    }

    [Fact]
    public void Render_TwoSavedConditions_ShowsEachRowWithItsValuesJoinedByAnd()
    {
        // Arrange
        Load(new
        {
            conditions = new object[]
            {
                new { left = "{{ clean.text }}", @operator = "contains", right = "refund" },
                new { left = "{{ start.query }}", @operator = "isNotEmpty" },
            },
        });

        // Act
        var inspector = RenderInspector();

        // Assert
        var rows = inspector.FindAll("[data-testid=condition-row]");
        Assert.Equal(2, rows.Count);
        Assert.Equal("{{ clean.text }}", rows[0].QuerySelector("[data-testid=condition-left] input")!.GetAttribute("value"));
        Assert.Equal("refund", rows[0].QuerySelector("[data-testid=condition-right] input")!.GetAttribute("value"));
        Assert.Equal(["If", "and"], rows.Select(r => r.QuerySelector("[data-testid=condition-joiner]")!.TextContent.Trim()));
        Assert.Null(rows[1].QuerySelector("[data-testid=condition-right]")); // "is not empty" compares with nothing
        Assert.Equal(["contains", "is not empty"], rows.Select(r => r.QuerySelector("[data-testid=condition-operator] input")!.GetAttribute("value")));
        Assert.Contains("only when every condition holds", inspector.Find("[data-testid=condition-join-help]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void AddCondition_FromAnEmptyStep_NewRowChecksTheNearestEarlierValueAndIsWrittenIntoTheSettings()
    {
        // Arrange
        var session = Load(new { });
        var inspector = RenderInspector();
        Assert.Single(inspector.FindAll("[data-testid=condition-none]"));

        // Act
        inspector.Find("[data-testid=condition-add]").Click();
        inspector.Find("[data-testid=condition-right] input").Change("refund");

        // Assert
        var condition = Assert.Single(Conditions(session));
        Assert.Equal(("{{ clean.text }}", "contains", "refund", true),
            (condition.GetProperty("left").GetString(), condition.GetProperty("operator").GetString(), condition.GetProperty("right").GetString(),
             condition.GetProperty("ignoreCase").GetBoolean()));
        Assert.Single(inspector.FindAll("[data-testid=condition-row]"));
        Assert.Empty(inspector.FindAll("[data-testid=condition-none]"));
        Assert.Equal("clean.text contains refund", Service<NodeRegistry>().Find(NodeRegistry.KeyOf<ConditionNode>())!.Summarize(session.Graph.FindNode("cond")!));
    }

    [Fact]
    public void VariablePicker_ClickInTheSecondRow_ReplacesThatRowsValueOnly()
    {
        // Arrange
        var session = Load(new
        {
            conditions = new[]
            {
                new { left = "{{ clean.text }}", @operator = "contains", right = "refund" },
                new { left = "{{ clean.text }}", @operator = "contains", right = "parcel" },
            },
        });
        var inspector = RenderInspector();

        // Act
        var row = inspector.FindAll("[data-testid=condition-row]")[1];
        row.QuerySelectorAll("[data-testid=variables] .mud-chip").First(c => c.TextContent.Contains("{{ start.query }}", StringComparison.Ordinal)).Click();

        // Assert
        Assert.Equal(["{{ clean.text }}", "{{ start.query }}"], Conditions(session).Select(c => c.GetProperty("left").GetString()));
        Assert.Equal(["refund", "parcel"], Conditions(session).Select(c => c.GetProperty("right").GetString()));
    }

    [Fact]
    public async Task Operator_ChosenNumberThenEmpty_ValueFieldFollowsWhatTheOperatorNeeds()
    {
        // Arrange
        var session = Load(new { conditions = new[] { new { left = "{{ clean.text }}", @operator = "contains", right = "refund" } } });
        var inspector = RenderInspector();
        var select = inspector.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Operator");

        // Act: a number comparison asks for a number and has no case switch.
        await inspector.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("greaterOrEqual"));
        var numberHelp = inspector.FindComponents<MudTextField<string>>().Single(f => f.Instance.Label == "Number").Instance.HelperText;
        var caseSwitches = inspector.FindAll("[data-testid=condition-ignore-case]").Count;
        select = inspector.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Operator");
        await inspector.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("isEmpty"));

        // Assert
        Assert.Contains("A number such as 12 or 3.5", numberHelp, StringComparison.Ordinal);
        Assert.Equal(0, caseSwitches);
        Assert.Empty(inspector.FindAll("[data-testid=condition-right]"));
        Assert.Equal("isEmpty", Assert.Single(Conditions(session)).GetProperty("operator").GetString());
        Assert.Equal("clean.text is empty", Service<NodeRegistry>().Find(NodeRegistry.KeyOf<ConditionNode>())!.Summarize(session.Graph.FindNode("cond")!));
    }

    [Fact]
    public async Task Operator_Pattern_SaysTheTimeoutAndTheValidatorNamesABadPattern()
    {
        // Arrange
        var session = Load(new { conditions = new[] { new { left = "{{ clean.text }}", @operator = "contains", right = "([a-z]" } } });
        var inspector = RenderInspector();
        var select = inspector.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Operator");

        // Act
        await inspector.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("matches"));

        // Assert
        var pattern = inspector.FindComponents<MudTextField<string>>().Single(f => f.Instance.Label == "Pattern");
        Assert.Contains("longer than 100 ms", pattern.Instance.HelperText, StringComparison.Ordinal);
        var problem = Assert.Single(new GraphValidator(Service<NodeRegistry>()).Validate(session.Graph), p => p.NodeId == "cond");
        Assert.Contains("'([a-z]' is not a valid pattern (regular expression)", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JoinSwitch_On_WritesAnyKeepingTheConditionsAndLabelsRowsWithOr()
    {
        // Arrange
        var session = Load(new
        {
            conditions = new[]
            {
                new { left = "{{ clean.text }}", @operator = "contains", right = "refund" },
                new { left = "{{ clean.text }}", @operator = "contains", right = "money back" },
            },
        });
        var inspector = RenderInspector();

        // Act
        inspector.Find("[data-testid=condition-join] input").Change(true);

        // Assert
        var settings = session.Graph.FindNode("cond")!.Settings;
        Assert.Equal("any", settings.GetProperty("join").GetString());
        Assert.Equal(2, Conditions(session).Count);
        Assert.Equal("or", inspector.FindAll("[data-testid=condition-joiner]")[1].TextContent.Trim());
        Assert.Contains("at least one condition holds", inspector.Find("[data-testid=condition-join-help]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Remove_FirstOfTwo_KeepsTheSecond()
    {
        // Arrange
        var session = Load(new
        {
            conditions = new[]
            {
                new { left = "{{ clean.text }}", @operator = "contains", right = "refund" },
                new { left = "{{ start.query }}", @operator = "startsWith", right = "how" },
            },
        });
        var inspector = RenderInspector();

        // Act
        inspector.FindAll("[data-testid=condition-remove]")[0].Click();

        // Assert
        var condition = Assert.Single(Conditions(session));
        Assert.Equal(("{{ start.query }}", "startsWith", "how"),
            (condition.GetProperty("left").GetString(), condition.GetProperty("operator").GetString(), condition.GetProperty("right").GetString()));
        Assert.Single(inspector.FindAll("[data-testid=condition-row]"));
    }

    [Fact]
    public void AddNode_FromThePalette_LogicGroupAndACardWithTrueAndFalseOutputs()
    {
        // Arrange
        var session = Service<EditorSession>();
        session.Load("wf-1", SampleWorkflows.FaqBot("kb-1"), version: 1);
        var key = NodeRegistry.KeyOf<ConditionNode>();
        var palette = Render<WorkflowStudio.Components.Designer.Palette>();

        // Act
        var id = session.AddNode(key, new NodePosition(0, 0));
        var diagram = DesignerRegistration.CreateDiagram();
        Service<DiagramMapper>().Sync(diagram, session.Graph, []);

        // Assert
        Assert.NotNull(palette.Find("section[data-category=Logic]").QuerySelector($".wf-palette-item[data-node-type='{key}']"));
        var card = diagram.Nodes.OfType<WorkflowNodeModel>().Single(m => m.NodeId == id);
        Assert.Equal(["true", "false"], card.WorkflowPorts.Where(p => !p.IsInput).Select(p => p.PortName));
        Assert.NotNull(card.InputPort);
        Assert.Equal("No conditions", card.Summary);
        Assert.False(session.Graph.FindNode(id)!.Cache.Enabled);
        Assert.Equal(typeof(ConditionSettings), SettingsEditors.For(key));
    }

    [Fact]
    public async Task Run_OnTheCanvas_HighlightsTheTruePathSkipsTheFalseBranchAndLabelsBothPorts()
    {
        // Arrange: start → cond; true → yes (answer), false → no (answer); the real runner, events applied as the test chat does.
        var key = NodeRegistry.KeyOf<ConditionNode>();
        var graph = new WorkflowGraph
        {
            Name = "branch",
            Nodes =
            [
                Definition("start", NodeRegistry.KeyOf<StartNode>(), new { }),
                Definition("cond", key, new { conditions = new[] { new { left = "{{ start.query }}", @operator = "contains", right = "refund" } } }),
                Definition("yes", NodeRegistry.KeyOf<AnswerNode>(), new { template = "Refunds take 5 days." }),
                Definition("no", NodeRegistry.KeyOf<AnswerNode>(), new { template = "Ask me about refunds." }),
            ],
            Edges = [new("start", "cond"), new("cond", "yes", "true"), new("cond", "no", "false")],
        };
        var diagram = DesignerRegistration.CreateDiagram();
        Service<DiagramMapper>().Sync(diagram, graph, []);

        // Act
        var result = await Service<WorkflowEngine.Execution.WorkflowRunner>().RunToCompletionAsync(graph, new WorkflowEngine.Execution.RunRequest("wf-branch", "Can I get a refund?"),
            e => { RunOverlay.Apply(diagram, e); return ValueTask.CompletedTask; });
        var card = Render(b =>
        {
            b.OpenComponent<Microsoft.AspNetCore.Components.CascadingValue<Blazor.Diagrams.BlazorDiagram>>(0);
            b.AddAttribute(1, "Value", diagram);
            b.AddAttribute(2, "ChildContent", (Microsoft.AspNetCore.Components.RenderFragment)(c =>
            {
                c.OpenComponent<NodeWidget>(0);
                c.AddAttribute(1, "Node", diagram.Nodes.OfType<WorkflowNodeModel>().Single(n => n.NodeId == "cond"));
                c.CloseComponent();
            }));
            b.CloseComponent();
        });

        // Assert
        Assert.Equal("Refunds take 5 days.", result.Answer);
        var links = diagram.Links.OfType<WorkflowLinkModel>().ToDictionary(l => l.Edge!.To);
        Assert.Equal(RunOverlay.PathColor, links["yes"].Color);
        Assert.NotEqual(RunOverlay.PathColor, links["no"].Color);
        Assert.Equal(RunOverlay.Skipped, diagram.Nodes.OfType<WorkflowNodeModel>().Single(n => n.NodeId == "no").Overlay?.State);
        Assert.Equal(["true", "false"], card.FindAll(".wf-port-out .wf-port-label").Select(l => l.TextContent));
    }

    private static NodeDefinition Definition(string id, string type, object settings) =>
        new(id, type, id, JsonSerializer.SerializeToElement(settings), NodeCacheSettings.Disabled);

    private static List<JsonElement> Conditions(EditorSession session) =>
        [.. session.Graph.FindNode("cond")!.Settings.GetProperty("conditions").EnumerateArray()];

    /// <summary>The sample bot with a condition step after its clean step.</summary>
    private EditorSession Load(object conditionSettings)
    {
        var graph = SampleWorkflows.FaqBot("kb-1");
        var node = new NodeDefinition("cond", NodeRegistry.KeyOf<ConditionNode>(), "Is it about refunds?", JsonSerializer.SerializeToElement(conditionSettings), NodeCacheSettings.Disabled);
        graph = graph with { Nodes = graph.Nodes.Add(node), Edges = graph.Edges.Add(new WorkflowEngine.Graphs.Edge("clean", "cond")) };
        var session = Service<EditorSession>();
        session.Load("wf-1", graph, version: 1);
        session.Select(["cond"]);
        return session;
    }

    private IRenderedComponent<NodeInspector> RenderInspector()
    {
        Render<MudPopoverProvider>();
        return Render<NodeInspector>();
    }
}
