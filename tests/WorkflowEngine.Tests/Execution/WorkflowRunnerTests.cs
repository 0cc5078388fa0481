using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Caching;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Execution.Middleware;
using WorkflowEngine.Nodes;
using static WorkflowEngine.Tests.Execution.TestEngine;

namespace WorkflowEngine.Tests.Execution;

public sealed class WorkflowRunnerTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task RunToCompletionAsync_NodesListedOutOfOrder_RunInTopologicalOrderAndPassOutputsById()
    {
        // Arrange: the document lists the nodes backwards; edges define the order.
        using var services = Create();
        var graph = Graph(
            [
                Node("answer", "answer", """{ "template": "{{ b.text }}!" }"""),
                Node("b", "test-echo", """{ "text": "{{ a.text }} world" }"""),
                Node("a", "test-echo", """{ "text": "{{ start.query }}" }"""),
                Node("start", "start"),
            ],
            Edge("start", "a"), Edge("a", "b"), Edge("b", "answer"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request("hello"));

        // Assert
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal("hello world!", result.Answer);
        Assert.Equal(["start", "a", "b", "answer"], result.Trace.Select(t => t.NodeId));
        Assert.Equal(["a", "b"], services.GetRequiredService<TestProbe>().Executed);
        Assert.All(result.Trace, t => Assert.Equal(NodeRunStatus.Succeeded, t.Status));
        Assert.Equal("hello world", result.Outputs["b"].GetString("text"));
    }

    [Fact]
    public async Task RunAsync_SuccessfulRun_EmitsEventsInOrder()
    {
        // Arrange
        using var services = Create();
        var graph = Graph([Node("start", "start"), Node("s", "test-stream"), Node("answer", "answer", """{ "template": "{{ s.text }}" }""")],
            Edge("start", "s"), Edge("s", "answer"));

        // Act
        var events = new List<WorkflowEvent>();
        await foreach (var e in services.Runner().RunAsync(graph, Request()))
        {
            events.Add(e);
        }

        // Assert
        Assert.Equal(
            ["RunStarted", "NodeStarted:start", "NodeSucceeded:start", "NodeStarted:s", "TokenStreamed:s", "TokenStreamed:s", "TokenStreamed:s",
             "NodeSucceeded:s", "NodeStarted:answer", "NodeSucceeded:answer", "RunCompleted"],
            events.Select(Describe));
        Assert.Equal("Hel,lo,!", string.Join(",", events.OfType<TokenStreamed>().Select(t => t.Text)));
        var streamed = events.OfType<NodeSucceeded>().Single(e => e.NodeId == "s");
        Assert.Equal(new TokenUsage(10, 3), streamed.Tokens);
        Assert.Equal(CacheStatus.Bypass, streamed.Cache.Status);
        Assert.Contains("Hello!", streamed.OutputPreview);
        var completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(RunStatus.Succeeded, completed.Status);
        Assert.Equal("Hello!", completed.Answer);
        Assert.All(events, e => Assert.Equal(events[0].RunId, e.RunId));
    }

    [Fact]
    public async Task RunToCompletionAsync_GateChoosesPort_NodesOnOtherPortAndAfterThemAreSkipped()
    {
        // Arrange: gate(yes) → y → answer; gate(no) → n1 → n2 → answer.
        using var services = Create();
        var graph = Graph(
            [
                Node("start", "start"),
                Node("gate", "test-gate", """{ "port": "yes" }"""),
                Node("y", "test-echo", """{ "text": "took yes" }"""),
                Node("n1", "test-echo", """{ "text": "took no" }"""),
                Node("n2", "test-echo", """{ "text": "{{ n1.text }}" }"""),
                Node("answer", "answer", """{ "template": "{{ y.text }}{{ n2.text }}" }"""),
            ],
            Edge("start", "gate"), Edge("gate", "y", "yes"), Edge("gate", "n1", "no"), Edge("n1", "n2"), Edge("y", "answer"), Edge("n2", "answer"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal("took yes", result.Answer);
        Assert.Equal(["gate", "y"], services.GetRequiredService<TestProbe>().Executed);
        Assert.Equal(NodeRunStatus.Skipped, result["n1"]!.Status);
        Assert.Equal(NodeRunStatus.Skipped, result["n2"]!.Status);
        Assert.Equal("bypassed: 'gate' continued on 'yes'", result["n1"]!.Message);
        Assert.Equal(result["n1"]!.Message, result["n2"]!.Message);
        Assert.False(result.Outputs.ContainsKey("n1"));
    }

    [Fact]
    public async Task RunToCompletionAsync_GateChoosesOtherPort_OnlyThatBranchRuns()
    {
        // Arrange
        using var services = Create();
        var graph = Graph(
            [
                Node("start", "start"),
                Node("gate", "test-gate", """{ "port": "no" }"""),
                Node("y", "test-echo", """{ "text": "took yes" }"""),
                Node("n1", "test-echo", """{ "text": "took no" }"""),
                Node("answer", "answer", """{ "template": "{{ y.text }}{{ n1.text }}" }"""),
            ],
            Edge("start", "gate"), Edge("gate", "y", "yes"), Edge("gate", "n1", "no"), Edge("y", "answer"), Edge("n1", "answer"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        Assert.Equal("took no", result.Answer);
        Assert.Equal(NodeRunStatus.Skipped, result["y"]!.Status);
        Assert.Equal(NodeRunStatus.Succeeded, result["answer"]!.Status);
    }

    [Fact]
    public async Task RunAsync_NodeThrows_RunFailsWithPlainMessageAndStops()
    {
        // Arrange
        using var services = Create();
        var graph = Graph(
            [Node("start", "start"), Node("boom", "test-fail", """{ "message": "The printer is out of paper." }"""), Node("after", "test-echo"), Node("answer", "answer", """{ "template": "done" }""")],
            Edge("start", "boom"), Edge("boom", "after"), Edge("after", "answer"));

        // Act
        var events = new List<WorkflowEvent>();
        await foreach (var e in services.Runner().RunAsync(graph, Request()))
        {
            events.Add(e);
        }

        // Assert
        var failed = Assert.Single(events.OfType<NodeFailed>());
        Assert.Equal("boom", failed.NodeId);
        Assert.Equal("'boom' failed: The printer is out of paper.", failed.Error);
        var completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(RunStatus.Failed, completed.Status);
        Assert.Equal("boom", completed.FailedNodeId);
        Assert.Equal(failed.Error, completed.Error);
        Assert.Null(completed.Answer);
        Assert.DoesNotContain(events, e => e is NodeStarted { NodeId: "after" });
        Assert.Empty(services.GetRequiredService<TestProbe>().Executed);
    }

    [Fact]
    public async Task RunToCompletionAsync_OneRunFails_OtherConcurrentRunsSucceed()
    {
        // Arrange
        using var services = Create();
        var good = Graph([Node("start", "start"), Node("answer", "answer", """{ "template": "ok {{ start.query }}" }""")], Edge("start", "answer"));
        var bad = Graph([Node("start", "start"), Node("boom", "test-fail"), Node("answer", "answer", """{ "template": "done" }""")], Edge("start", "boom"), Edge("boom", "answer"));
        var runner = services.Runner();

        // Act
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            runner.RunToCompletionAsync(i % 2 == 0 ? good : bad, Request($"q{i}"))));

        // Assert
        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? RunStatus.Succeeded : RunStatus.Failed, results[i].Status);
            if (i % 2 == 0)
            {
                Assert.Equal($"ok q{i}", results[i].Answer);
            }
        }
    }

    [Fact]
    public async Task RunToCompletionAsync_Cancelled_EndsCancelledAndReportsTheStoppedNode()
    {
        // Arrange
        using var services = Create();
        var probe = services.GetRequiredService<TestProbe>();
        var graph = Graph([Node("start", "start"), Node("slow", "test-slow"), Node("answer", "answer", """{ "template": "done" }""")], Edge("start", "slow"), Edge("slow", "answer"));
        using var cts = new CancellationTokenSource();

        // Act
        var running = services.Runner().RunToCompletionAsync(graph, Request(), cts.Token);
        await probe.SlowStarted.Task.WaitAsync(TestTimeout);
        await cts.CancelAsync();
        var result = await running.WaitAsync(TestTimeout);

        // Assert
        Assert.Equal(RunStatus.Cancelled, result.Status);
        Assert.Equal("The run was cancelled.", result.Error);
        Assert.Equal(NodeRunStatus.Failed, result["slow"]!.Status);
        Assert.Equal("Stopped: the run was cancelled.", result["slow"]!.Message);
        Assert.Null(result["answer"]);
    }

    [Fact]
    public async Task RunAsync_CancelledWhileConsuming_StillYieldsRunCompletedCancelled()
    {
        // Arrange
        using var services = Create();
        var probe = services.GetRequiredService<TestProbe>();
        var graph = Graph([Node("start", "start"), Node("slow", "test-slow"), Node("answer", "answer", """{ "template": "done" }""")], Edge("start", "slow"), Edge("slow", "answer"));
        using var cts = new CancellationTokenSource();

        // Act
        var events = new List<WorkflowEvent>();
        await foreach (var e in services.Runner().RunAsync(graph, Request(), cts.Token))
        {
            events.Add(e);
            if (e is NodeStarted { NodeId: "slow" })
            {
                await probe.SlowStarted.Task.WaitAsync(TestTimeout);
                await cts.CancelAsync();
            }
        }

        // Assert
        var completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(RunStatus.Cancelled, completed.Status);
    }

    [Fact]
    public async Task RunToCompletionAsync_NodeExceedsTimeout_FailsWithTookLongerMessage()
    {
        // Arrange
        using var services = Create(o => o.NodeTimeout = TimeSpan.FromMilliseconds(200));
        var graph = Graph([Node("start", "start"), Node("slow", "test-slow"), Node("answer", "answer", """{ "template": "done" }""")], Edge("start", "slow"), Edge("slow", "answer"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request()).WaitAsync(TestTimeout);

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("slow", result.FailedNodeId);
        Assert.Equal("'slow' took longer than 0.2 s and was stopped.", result.Error);
        Assert.Equal(NodeRunStatus.Failed, result["slow"]!.Status);
    }

    [Fact]
    public async Task RunToCompletionAsync_NodeIgnoresCancellation_TimeoutStillEndsTheRun()
    {
        // Arrange
        using var services = Create(o => o.NodeTimeout = TimeSpan.FromMilliseconds(200));
        var probe = services.GetRequiredService<TestProbe>();
        var graph = Graph([Node("start", "start"), Node("slow", "test-slow", """{ "ignoreCancellation": true }"""), Node("answer", "answer", """{ "template": "done" }""")],
            Edge("start", "slow"), Edge("slow", "answer"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request()).WaitAsync(TestTimeout);
        probe.Release.TrySetResult();

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains("took longer than 0.2 s", result.Error);
    }

    [Fact]
    public async Task RunToCompletionAsync_InvalidGraph_IsRefusedWithEveryProblem()
    {
        // Arrange: no answer node, an unknown type and a dangling edge.
        using var services = Create();
        var graph = Graph([Node("start", "start"), Node("x", "teleport")], Edge("start", "x"), Edge("x", "nowhere"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.StartsWith("The workflow cannot run (3 problems):", result.Error);
        // The messages are GraphValidator's; each problem is named.
        Assert.Contains("teleport", result.Error);
        Assert.Contains("answer", result.Error);
        Assert.Contains("nowhere", result.Error);
        Assert.Empty(result.Trace);
    }

    [Fact]
    public async Task RunToCompletionAsync_Cycle_IsRefused()
    {
        // Arrange
        using var services = Create();
        var graph = Graph([Node("start", "start"), Node("a", "test-echo"), Node("b", "test-echo"), Node("answer", "answer", """{ "template": "done" }""")],
            Edge("start", "a"), Edge("a", "b"), Edge("b", "a"), Edge("b", "answer"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains("loop", result.Error);
        Assert.Empty(services.GetRequiredService<TestProbe>().Executed);
    }

    [Fact]
    public async Task RunToCompletionAsync_SettingsOfWrongType_FailsWithPlainMessage()
    {
        // Arrange: the gate's port setting is an object where text belongs.
        using var services = Create();
        var graph = Graph([Node("start", "start"), Node("gate", "test-gate", """{ "port": { "nested": 1 } }"""), Node("answer", "answer", """{ "template": "done" }""")],
            Edge("start", "gate"), Edge("gate", "answer", "yes"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.StartsWith("The workflow cannot run: ", result.Error);
        Assert.Contains("'gate'", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public async Task RunToCompletionAsync_Succeeded_CallsCompletionParticipantsWithTheAnswerBeforeCompleting()
    {
        // Arrange
        using var services = Create();
        var probe = services.GetRequiredService<TestProbe>();
        var graph = Graph([Node("start", "start"), Node("p", "test-participant"), Node("answer", "answer", """{ "template": "A: {{ start.query }}" }""")],
            Edge("start", "p"), Edge("p", "answer"));
        var completionsWhenCompleted = -1;

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request("q"), e =>
        {
            if (e is RunCompleted)
            {
                completionsWhenCompleted = probe.Completions.Count;
            }
            return ValueTask.CompletedTask;
        });

        // Assert
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal([("p", "A: q")], probe.Completions);
        Assert.Equal(1, completionsWhenCompleted);
    }

    [Fact]
    public async Task RunToCompletionAsync_Failed_DoesNotCallCompletionParticipants()
    {
        // Arrange
        using var services = Create();
        var probe = services.GetRequiredService<TestProbe>();
        var graph = Graph([Node("start", "start"), Node("p", "test-participant"), Node("boom", "test-fail"), Node("answer", "answer", """{ "template": "done" }""")],
            Edge("start", "p"), Edge("p", "boom"), Edge("boom", "answer"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Empty(probe.Completions);
    }

    [Fact]
    public async Task RunAsync_ConsumerNotReading_RunFinishesWithoutWaitingForIt()
    {
        // Arrange
        using var services = Create();
        var probe = services.GetRequiredService<TestProbe>();
        var graph = Graph([Node("start", "start"), Node("s", "test-stream"), Node("p", "test-participant"), Node("answer", "answer", """{ "template": "{{ s.text }}" }""")],
            Edge("start", "s"), Edge("s", "p"), Edge("p", "answer"));

        // Act: take one event, then stop reading until the run has done its after-run work.
        var events = new List<WorkflowEvent>();
        await using var enumerator = services.Runner().RunAsync(graph, Request()).GetAsyncEnumerator();
        Assert.True(await enumerator.MoveNextAsync());
        events.Add(enumerator.Current);
        await WorkflowTesting.Eventually.WaitUntilAsync(() => Task.FromResult(!probe.Completions.IsEmpty), TestTimeout, "the run's after-run work");
        while (await enumerator.MoveNextAsync())
        {
            events.Add(enumerator.Current);
        }

        // Assert
        Assert.Single(probe.Completions);
        Assert.IsType<RunStarted>(events[0]);
        Assert.Equal(RunStatus.Succeeded, Assert.IsType<RunCompleted>(events[^1]).Status);
    }

    [Fact]
    public async Task RunAsync_ConsumerLeavesEarly_RunIsStopped()
    {
        // Arrange
        using var services = Create();
        var probe = services.GetRequiredService<TestProbe>();
        var graph = Graph([Node("start", "start"), Node("slow", "test-slow"), Node("p", "test-participant"), Node("answer", "answer", """{ "template": "done" }""")],
            Edge("start", "slow"), Edge("slow", "p"), Edge("p", "answer"));

        // Act: stop reading once the slow node runs; disposing the enumerator must end the run without it finishing.
        await foreach (var e in services.Runner().RunAsync(graph, Request()))
        {
            if (e is NodeStarted { NodeId: "slow" })
            {
                await probe.SlowStarted.Task.WaitAsync(TestTimeout);
                break;
            }
        }

        // Assert: the loop exited (the run was cancelled and awaited), and nothing after the slow node ran.
        Assert.Empty(probe.Completions);
        Assert.False(probe.Release.Task.IsCompleted);
    }

    [Fact]
    public void Constructor_MiddlewareRegisteredOutOfOrder_SortsByOrderThenRegistration()
    {
        // Arrange: a caching-slot middleware registered before the engine's own.
        var inner = new RecordingMiddleware(NodeMiddlewareOrder.Caching, "cache", []);
        using var services = Create(configure: s => s.AddSingleton<INodeMiddleware>(inner));

        // Act
        var order = services.Runner().Middleware;

        // Assert
        Assert.Equal([typeof(EventsMiddleware), typeof(ErrorHandlingMiddleware), typeof(RecordingMiddleware)], order.Select(m => m.GetType()));
    }

    [Fact]
    public async Task RunToCompletionAsync_CachingSlotMiddlewareAnswers_NodeDoesNotRunAndSuccessCarriesOutcome()
    {
        // Arrange: a middleware in the caching slot that serves "b" without running it.
        var calls = new List<string>();
        var cacheLike = new RecordingMiddleware(NodeMiddlewareOrder.Caching, "cache", calls)
        {
            Serve = inv => inv.Node.Id == "b"
                ? new NodeExecution(new NodeResult(NodeOutputs.From(new { text = "from cache" })), new CacheOutcome(CacheStatus.Hit, CacheLevel.L1))
                : null,
        };
        using var services = Create(configure: s => s.AddSingleton<INodeMiddleware>(cacheLike));
        var graph = Graph([Node("start", "start"), Node("b", "test-echo", """{ "text": "ran" }"""), Node("answer", "answer", """{ "template": "{{ b.text }}" }""")],
            Edge("start", "b"), Edge("b", "answer"));

        // Act
        var result = await services.Runner().RunToCompletionAsync(graph, Request());

        // Assert
        Assert.Equal("from cache", result.Answer);
        Assert.Empty(services.GetRequiredService<TestProbe>().Executed);
        Assert.Equal(CacheStatus.Hit, result["b"]!.Cache!.Status);
        Assert.Equal(NodeRunStatus.Succeeded, result["b"]!.Status);
        Assert.Equal(["start", "b", "answer"], calls);
    }

    private static string Describe(WorkflowEvent e) => e is NodeEvent n ? $"{e.GetType().Name}:{n.NodeId}" : e.GetType().Name;

    private sealed class RecordingMiddleware(int order, string name, List<string> calls) : INodeMiddleware
    {
        public string Name { get; } = name;

        public Func<NodeInvocation, NodeExecution?> Serve { get; init; } = _ => null;

        public int Order => order;

        public ValueTask<NodeExecution> InvokeAsync(NodeInvocation invocation, NodeDelegate next)
        {
            calls.Add(invocation.Node.Id);
            return Serve(invocation) is { } served ? ValueTask.FromResult(served) : next(invocation);
        }
    }
}
