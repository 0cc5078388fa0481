using WorkflowEngine.Caching;

namespace WorkflowEngine.Tests.Caching;

public sealed class ResponseGateTests
{
    [Theory]
    [InlineData("Can you ship to Canada?", "can you ship to canada", "Can you ship to Canada?")]
    [InlineData("  How do I get a REFUND ???  ", "how do i get a refund", "How do I get a REFUND ???")]
    [InlineData("Can't I return it?", "can't i return it", "Can't I return it?")]
    public void AsTyped_SameQuestionUpToCaseAndPunctuation_ReturnsTheTypedText(string query, string lookedUp, string expected)
    {
        // Act
        var typed = ResponseGate.AsTyped(query, lookedUp);

        // Assert
        Assert.Equal(expected, typed);
    }

    [Theory]
    [InlineData("退钱要多久", "退款要多久")] // a synonym replaced a word
    [InlineData("Where is my parcel?", "where is my order")]
    [InlineData("Where is my parcel?", "where is my parcel now")]
    [InlineData("", "where is my parcel")]
    [InlineData(null, "where is my parcel")]
    public void AsTyped_LookupTextIsNotTheTypedQuestion_Null(string? query, string lookedUp)
    {
        // Act
        var typed = ResponseGate.AsTyped(query, lookedUp);

        // Assert
        Assert.Null(typed);
    }
}
