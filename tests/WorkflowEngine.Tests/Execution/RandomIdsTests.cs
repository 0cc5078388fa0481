using System.Collections.Concurrent;
using WorkflowEngine.Execution;

namespace WorkflowEngine.Tests.Execution;

public sealed class RandomIdsTests
{
    [Fact]
    public void New_ManyIdsOnSeveralThreads_AllDistinct32LowerCaseHexDigits()
    {
        // Arrange
        var ids = new ConcurrentBag<string>();

        // Act: more ids per thread than one block of random bytes holds.
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 1000; i++)
            {
                ids.Add(RandomIds.New());
            }
        });

        // Assert
        Assert.Equal(8000, ids.Count);
        Assert.Equal(8000, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
    }

    [Fact]
    public void New_Ids_UseEveryHexDigitInEveryPosition()
    {
        // Arrange: with random bits, each of the 32 positions takes each of the 16 digits within a few thousand ids.
        var seen = new HashSet<char>[32];
        for (var p = 0; p < seen.Length; p++)
        {
            seen[p] = [];
        }

        // Act
        for (var i = 0; i < 4000; i++)
        {
            var id = RandomIds.New();
            for (var p = 0; p < id.Length; p++)
            {
                seen[p].Add(id[p]);
            }
        }

        // Assert: no fixed digit (such as a Guid's version nibble), no position stuck.
        Assert.All(seen, digits => Assert.Equal(16, digits.Count));
    }

    [Fact]
    public void RunRequest_Defaults_TwoRequestsGetDifferentRunAndConversationIds()
    {
        // Act
        var a = new RunRequest("wf", "q");
        var b = new RunRequest("wf", "q");

        // Assert
        Assert.NotEqual(a.RunId, b.RunId);
        Assert.NotEqual(a.ConversationId, b.ConversationId);
        Assert.NotEqual(a.RunId, a.ConversationId);
    }
}
