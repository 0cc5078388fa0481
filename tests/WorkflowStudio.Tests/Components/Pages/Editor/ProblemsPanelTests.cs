using Bunit;
using WorkflowEngine.Graphs;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Components.Pages.Editor;

namespace WorkflowStudio.Tests.Components.Pages.Editor;

public sealed class ProblemsPanelTests : EditorTestContext
{
    [Fact]
    public void ProblemClick_SelectsItsNodeInSessionAndOnCanvas()
    {
        // Arrange
        var canvas = Render<WorkflowCanvas>();
        var panel = Render<ProblemsPanel>();
        Session.SetProblems([new ValidationProblem("graph.no-answer", "Nothing answers the user."), new ValidationProblem("node.settings", "Choose a model.", "llm")]);

        // Act
        panel.Find("[data-testid=problem][data-node-id=llm]").Click();

        // Assert
        Assert.Equal(["llm"], Session.SelectedNodeIds);
        var llm = canvas.Instance.Diagram.Nodes.OfType<WorkflowNodeModel>().Single(m => m.NodeId == "llm");
        Assert.True(llm.Selected);
        Assert.True(llm.IsInvalid);
        Assert.Contains("2 problems", panel.Find("[data-testid=problems-summary]").TextContent);
    }

    [Fact]
    public void Render_NoProblems_SaysTheWorkflowCanRun()
    {
        // Act
        var panel = Render<ProblemsPanel>();

        // Assert
        Assert.Contains("No problems", panel.Find("[data-testid=problems-summary]").TextContent);
        Assert.Empty(panel.FindAll("[data-testid=problem]"));
    }

    [Fact]
    public void InvalidNode_OnCanvas_ShowsWarningWithTheFirstProblem()
    {
        // Arrange
        var canvas = Render<WorkflowCanvas>();

        // Act
        Session.SetProblems([new ValidationProblem("node.settings", "Choose a knowledge base.", "retrieve")]);

        // Assert
        canvas.WaitForAssertion(() =>
        {
            var card = canvas.Find(".wf-node[data-node-id=retrieve]");
            Assert.Contains("wf-node-invalid", card.ClassName);
            Assert.Equal("Choose a knowledge base.", card.QuerySelector("[data-testid=node-warning]")!.GetAttribute("title"));
        });
    }
}
