using Microsoft.Extensions.Time.Testing;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Execution.Middleware;
using WorkflowEngine.Nodes;
using static WorkflowEngine.Tests.Execution.TestEngine;

namespace WorkflowEngine.Tests.Execution.Middleware;

public sealed class EventsMiddlewareTests
{
    [Fact]
    public async Task InvokeAsync_NodeTakesFiveSecondsOnTheInjectedClock_ReportsThatElapsedTime()
    {
        // Arrange
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 2, 0, 0, TimeSpan.Zero));
        using var services = Create(time: time);
        var graph = Graph([Node("start", "start"), Node("clock", "test-clock", """{ "seconds": 5 }"""), Node("answer", "answer", """{ "template": "{{ clock.text }}" }""")],
            Edge("start", "clock"), Edge("clock", "answer"));
        var events = new List<WorkflowEvent>();

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request(), e => { events.Add(e); return ValueTask.CompletedTask; });

        // Assert
        var started = events.OfType<NodeStarted>().Single(e => e.NodeId == "clock");
        var succeeded = events.OfType<NodeSucceeded>().Single(e => e.NodeId == "clock");
        Assert.Equal(TimeSpan.FromSeconds(5), succeeded.Elapsed);
        Assert.Equal(started.Timestamp.AddSeconds(5), succeeded.Timestamp);
        Assert.Equal(TimeSpan.FromSeconds(5), result.Elapsed);
        Assert.Equal("clock", started.Title);
    }

    [Fact]
    public async Task InvokeAsync_LongOutput_PreviewIsTruncated()
    {
        // Arrange
        using var services = Create(o => o.OutputPreviewLength = 20);
        var longText = new string('x', 100);
        var graph = Graph([Node("start", "start"), Node("e", "test-echo", $$"""{ "text": "{{longText}}" }"""), Node("answer", "answer", """{ "template": "{{ e.text }}" }""")],
            Edge("start", "e"), Edge("e", "answer"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        var preview = result["e"]!.OutputPreview!;
        Assert.Equal(21, preview.Length);
        Assert.EndsWith("…", preview);
        Assert.StartsWith("{\"text\":\"xxx", preview);
        Assert.Equal(longText, result.Answer);
    }

    [Fact]
    public void Preview_ShortChineseOutput_IsTheWholeJsonReadableAsWritten()
    {
        // Act
        var preview = EventsMiddleware.Preview(NodeOutputs.From(new { text = "我要退款 > 30 天" }), 400);

        // Assert: no \uXXXX escapes for the reader.
        Assert.Equal("{\"text\":\"我要退款 > 30 天\"}", preview);
    }

    [Fact]
    public void Preview_QuotesAndControlCharacters_StayValidJson()
    {
        // Act
        var preview = EventsMiddleware.Preview(NodeOutputs.From(new { text = "say \"hi\"\n<b>" }), 400);

        // Assert
        Assert.Equal("say \"hi\"\n<b>", System.Text.Json.JsonDocument.Parse(preview).RootElement.GetProperty("text").GetString());
    }
}
