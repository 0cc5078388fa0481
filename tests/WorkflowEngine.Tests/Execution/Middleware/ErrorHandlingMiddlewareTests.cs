using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using static WorkflowEngine.Tests.Execution.TestEngine;

namespace WorkflowEngine.Tests.Execution.Middleware;

public sealed class ErrorHandlingMiddlewareTests
{
    [Fact]
    public async Task InvokeAsync_ProgrammingError_GivesGenericPlainMessage()
    {
        // Arrange
        using var services = Create();
        var graph = Graph([Node("start", "start"), Node("bug", "test-fail", """{ "kind": "bug" }"""), Node("answer", "answer", """{ "template": "done" }""")],
            Edge("start", "bug"), Edge("bug", "answer"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("'bug' failed because of an internal error (NullReferenceException); the details are in the log.", result.Error);
        Assert.Equal(result.Error, result["bug"]!.Message);
    }

    [Fact]
    public async Task InvokeAsync_TemplateSyntaxErrorAtRunTime_NamesTheStep()
    {
        // Arrange: preflight checks test-echo settings only as JSON, so the broken template reaches the run.
        using var services = Create();
        var graph = Graph([Node("start", "start"), Node("e", "test-echo", """{ "text": "{{ start.query" }"""), Node("answer", "answer", """{ "template": "done" }""")],
            Edge("start", "e"), Edge("e", "answer"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.StartsWith("'e': The template has a syntax error", result.Error);
        Assert.Equal("e", result.FailedNodeId);
        Assert.Equal(NodeRunStatus.Failed, result["e"]!.Status);
    }
}
