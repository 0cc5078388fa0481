using WorkflowStudio.Runs;

namespace WorkflowStudio.Tests.Runs;

public sealed class RunTraceEntryTests
{
    private static RunTraceEntry WithPreview(string? preview) =>
        new("llm", "llm", "Write the answer", RunTraceEntry.Succeeded, "miss", null, 12, null, null, null, preview, null, null);

    [Theory]
    [InlineData(@"{""text"":""My Account \u003E Orders""}", @"{""text"":""My Account > Orders""}")]
    [InlineData(@"{""text"":""\u9000\u6B3E\u8981\u591A\u4E45""}", @"{""text"":""退款要多久""}")]
    [InlineData(@"{""text"":""it\u0027s \""quoted\"" \\u0041""}", @"{""text"":""it's \""quoted\"" \\u0041""}")]
    [InlineData(@"{""text"":""cut in the midd…", @"{""text"":""cut in the midd…")]
    public void ReadablePreview_JsonEscapes_ShownAsTheirCharacters(string preview, string expected) =>
        Assert.Equal(expected, WithPreview(preview).ReadablePreview);

    [Fact]
    public void ReadablePreview_NoPreview_IsNull() => Assert.Null(WithPreview(null).ReadablePreview);
}
