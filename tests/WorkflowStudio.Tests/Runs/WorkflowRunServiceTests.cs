using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Tests.Runs;

public sealed class WorkflowRunServiceTests
{
    [Fact]
    public async Task Start_Question_StreamsEventsAndRecordsRunWithTrace()
    {
        // Arrange
        await using var host = await RunServiceHost.StartAsync();
        var graph = RunServiceHost.ChatGraph();

        // Act
        var handle = host.Runs.Start(graph, new RunRequest("wf-1", "What is 2+2?"), RunSources.Api);
        var events = new List<WorkflowEvent>();
        await foreach (var e in handle.ReadEventsAsync())
        {
            events.Add(e);
        }
        var run = await handle.Completion;
        await handle.Recorded;
        var stored = await host.History.GetAsync(handle.RunId);

        // Assert
        Assert.IsType<RunStarted>(events[0]);
        Assert.Contains(events, e => e is TokenStreamed);
        var completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal("echo: What is 2+2?", completed.Answer);
        Assert.Equal("succeeded", run.Status);
        Assert.NotNull(stored);
        Assert.Equal("api", stored.Run.Source);
        Assert.Equal("Echo bot", stored.Run.WorkflowName);
        Assert.Equal("echo: What is 2+2?", stored.Run.Answer);
        Assert.Equal(["start", "llm", "answer"], stored.Trace.Select(t => t.NodeId));
        var llm = stored.Trace[1];
        Assert.Equal("succeeded", llm.Status);
        Assert.Equal("bypass", llm.Cache);
        Assert.Equal("llm", llm.Type);
        Assert.Equal("Ask the model", llm.Title);
        Assert.True(llm.OutputTokens > 0);
        Assert.Contains("echo", llm.OutputPreview);
    }

    [Fact]
    public async Task Start_WithoutEvents_CompletesWithTheFullTraceAndRefusesToStreamEvents()
    {
        // Arrange
        await using var host = await RunServiceHost.StartAsync();
        var graph = RunServiceHost.ChatGraph();

        // Act
        var handle = host.Runs.Start(graph, new RunRequest("wf-1", "What is 2+2?"), RunSources.Api, readsEvents: false);
        var run = await handle.Completion;
        await handle.Recorded;

        // Assert
        Assert.True(run.Succeeded);
        Assert.Equal(graph.Nodes.Select(n => n.Id).Order(), run.Trace.Select(t => t.NodeId).Order());
        Assert.Equal(run.Trace.Select(t => t.NodeId), handle.Trace.Entries.Select(e => e.NodeId));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in handle.ReadEventsAsync())
            {
            }
        });
    }

    [Fact]
    public async Task Start_SecondTurnOfConversation_PassesEarlierTurnsToTheModelAndStoresMessages()
    {
        // Arrange
        await using var host = await RunServiceHost.StartAsync();
        var graph = RunServiceHost.ChatGraph();
        var first = await host.Runs.RunToCompletionAsync(graph, new RunRequest("wf-1", "My name is Ada."));

        // Act
        var handle = host.Runs.Start(graph, new RunRequest("wf-1", "What is my name?") { ConversationId = first.ConversationId });
        var second = await handle.Completion;
        await handle.Recorded;
        var messages = await host.History.ConversationAsync(first.ConversationId);

        // Assert
        Assert.Equal("succeeded", second.Status);
        var sent = host.Llm.LastChatRequest!.Messages.Select(m => (m.Role, m.Content)).ToList();
        Assert.Contains(("user", "My name is Ada."), sent);
        Assert.Contains(("assistant", "echo: My name is Ada."), sent);
        Assert.Equal(("user", "What is my name?"), sent[^1]);
        Assert.Equal([("user", "My name is Ada."), ("assistant", "echo: My name is Ada."), ("user", "What is my name?"), ("assistant", "echo: What is my name?")],
            messages.Select(m => (m.Role, m.Text)));
    }

    [Fact]
    public async Task Start_CallerStopsReadingMidRun_RunStillFinishesAndIsRecorded()
    {
        // Arrange
        await using var host = await RunServiceHost.StartAsync();
        host.Llm.Delay = TimeSpan.FromMilliseconds(300);
        using var callerGone = new CancellationTokenSource();
        var handle = host.Runs.Start(RunServiceHost.ChatGraph(), new RunRequest("wf-1", "Are you there?"));

        // Act: the caller reads the first event, then disconnects.
        await using (var reader = handle.ReadEventsAsync(callerGone.Token).GetAsyncEnumerator())
        {
            Assert.True(await reader.MoveNextAsync());
            await callerGone.CancelAsync();
        }
        var run = await handle.Completion;
        await handle.Recorded;
        var stored = await host.History.GetAsync(handle.RunId);

        // Assert
        Assert.Equal("succeeded", run.Status);
        Assert.Equal("echo: Are you there?", stored?.Run.Answer);
        Assert.Equal(1, host.Llm.ChatCallCount);
    }

    [Fact]
    public async Task Start_ExplicitCancellation_RecordsCancelledRun()
    {
        // Arrange
        await using var host = await RunServiceHost.StartAsync();
        host.Llm.Hang = true;
        using var stop = new CancellationTokenSource();
        var handle = host.Runs.Start(RunServiceHost.ChatGraph(), new RunRequest("wf-1", "Hello?"), cancellationToken: stop.Token);
        await foreach (var e in handle.ReadEventsAsync())
        {
            if (e is NodeStarted { NodeId: "llm" })
            {
                await stop.CancelAsync();
            }
        }

        // Act
        var run = await handle.Completion;
        await handle.Recorded;
        var stored = await host.History.GetAsync(handle.RunId);

        // Assert
        Assert.Equal("cancelled", run.Status);
        Assert.Equal("cancelled", stored?.Run.Status);
        Assert.Empty(await host.History.ConversationAsync(run.ConversationId));
    }

    [Fact]
    public async Task Start_ModelFails_RecordsFailedRunWithFailedNode()
    {
        // Arrange
        await using var host = await RunServiceHost.StartAsync();
        host.Llm.FailAlways(500);

        // Act
        var handle = host.Runs.Start(RunServiceHost.ChatGraph(), new RunRequest("wf-1", "Hello?"));
        var run = await handle.Completion;
        await handle.Recorded;
        var stored = await host.History.GetAsync(handle.RunId);

        // Assert
        Assert.Equal("failed", run.Status);
        Assert.Equal("llm", run.FailedNodeId);
        Assert.Equal("llm", run.FailedNodeType);
        Assert.False(string.IsNullOrWhiteSpace(run.Error));
        Assert.Equal("failed", stored?.Trace.Single(t => t.NodeId == "llm").Status);
        Assert.DoesNotContain(stored!.Trace, t => t.NodeId == "answer");
        Assert.Equal("failed", stored.Run.Status);
    }
}
