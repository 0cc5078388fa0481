using WorkflowEngine.Graphs;
using WorkflowStudio.Components.Pages.Workflows;

namespace WorkflowStudio.Tests.Pages.Workflows;

public sealed class WorkflowLibraryTests
{
    [Theory]
    [InlineData("Bot", new string[0], "Bot")]
    [InlineData("Bot", new[] { "bot" }, "Bot 2")]
    [InlineData("Bot", new[] { "Bot", "Bot 2", "Bot 3" }, "Bot 4")]
    public void UniqueName_TakenNames_GetsTheNextFreeNumber(string baseName, string[] taken, string expected) =>
        Assert.Equal(expected, WorkflowLibrary.UniqueName(baseName, taken));

    [Fact]
    public void UniqueName_LongestAllowedNameTaken_NumberedCopyStaysWithinTheLimit()
    {
        // Arrange
        var longest = new string('x', WorkflowLibrary.MaxNameLength);

        // Act
        var name = WorkflowLibrary.UniqueName(longest, [longest]);

        // Assert
        Assert.Equal(WorkflowLibrary.MaxNameLength, name.Length);
        Assert.EndsWith(" 2", name);
    }

    [Theory]
    [InlineData("FAQ bot (sample)", "faq-bot-sample.workflow.json")]
    [InlineData("  Refunds / Returns  ", "refunds-returns.workflow.json")]
    [InlineData("退款助手", "退款助手.workflow.json")]
    [InlineData("???", "workflow.workflow.json")]
    public void FileNameFor_Name_GivesASafeFileName(string name, string expected)
    {
        // Act
        var fileName = WorkflowLibrary.FileNameFor(name);

        // Assert
        Assert.Equal(expected, fileName);
    }

    [Theory]
    [InlineData("", "Give the workflow a name.")]
    [InlineData("   ", "Give the workflow a name.")]
    [InlineData("Refund bot", null)]
    public void CheckName_Name_ExplainsWhatIsWrong(string name, string? expected)
    {
        // Act
        var problem = WorkflowLibrary.CheckName(name);

        // Assert
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void CheckName_TooLong_AsksForAShorterName()
    {
        // Act
        var problem = WorkflowLibrary.CheckName(new string('a', WorkflowLibrary.MaxNameLength + 1));

        // Assert
        Assert.Equal($"Keep the name under {WorkflowLibrary.MaxNameLength} characters.", problem);
    }

    [Fact]
    public void DescribeLocation_NodeProblem_NamesTheNode()
    {
        // Act
        var where = WorkflowLibrary.DescribeLocation(new ValidationProblem("document.node-type", "Node 'x' has no type.", "x", "$.nodes[2].type"));

        // Assert
        Assert.Equal("Node 'x' ($.nodes[2].type)", where);
    }

    [Fact]
    public void DescribeLocation_WholeDocument_GivesNoLocation()
    {
        // Act
        var where = WorkflowLibrary.DescribeLocation(new ValidationProblem("document.empty", "The file is empty.", Path: "$"));

        // Assert
        Assert.Null(where);
    }
}
