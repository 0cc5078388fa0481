using WorkflowEngine.Graphs;
using WorkflowStudio.Components.Designer;

namespace WorkflowStudio.Tests.Components.Designer;

/// <summary>Where click-to-add puts a new card: never on top of (or touching) a card already there.</summary>
public sealed class FreeSpotTests
{
    private static bool Overlaps(NodePosition a, NodePosition b) =>
        Math.Abs(a.X - b.X) < WorkflowNodeModel.CardWidth && Math.Abs(a.Y - b.Y) < WorkflowNodeModel.CardHeight;

    [Fact]
    public void FreeSpotNear_EmptyCanvas_IsTheWantedSpot()
    {
        // Act
        var spot = WorkflowCanvas.FreeSpotNear(300, 200, []);

        // Assert
        Assert.Equal(new NodePosition(300, 200), spot);
    }

    [Fact]
    public void FreeSpotNear_CardHalfCovered_MovesClearOfIt()
    {
        // Arrange: a card 100 px right and 30 px down of the wanted spot (the old rule only avoided cards within 40 px).
        NodePosition[] taken = [new(400, 230)];

        // Act
        var spot = WorkflowCanvas.FreeSpotNear(300, 200, taken);

        // Assert
        Assert.False(Overlaps(spot, taken[0]), $"new card at {spot} overlaps the card at {taken[0]}");
    }

    [Fact]
    public void FreeSpotNear_SampleBotsCards_NoOverlapWithAny()
    {
        // Arrange: every card of the sample bot, and a wanted spot in the middle of them.
        var taken = SampleWorkflows.FaqBot("kb").Layout.Values.ToList();

        // Act
        var spot = WorkflowCanvas.FreeSpotNear(560, 130, taken);

        // Assert
        Assert.All(taken, t => Assert.False(Overlaps(spot, t), $"new card at {spot} overlaps the card at {t}"));
    }
}
