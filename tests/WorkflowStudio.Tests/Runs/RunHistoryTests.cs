using WorkflowEngine.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WorkflowEngine.Execution;
using WorkflowStudio.Runs;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Runs;

public sealed class RunHistoryTests
{
    [Theory, BothDatabases]
    public async Task ListAsync_Filters_ReturnMatchingRunsNewestFirst(DatabaseProvider provider)
    {
        // Arrange
        await using var host = await RunServiceHost.StartAsync(provider: provider, clock: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var graph = RunServiceHost.ChatGraph();
        var a1 = await RecordAsync(host, "wf-a", "one");
        var a2 = await RecordAsync(host, "wf-a", "two");
        host.Llm.FailAlways(500);
        var a3 = await RecordAsync(host, "wf-a", "three");
        host.Llm.Reset();
        host.Llm.Responder = r => "ok";
        var b1 = await RecordAsync(host, "wf-b", "four");

        // Act
        var all = await host.History.ListAsync(new RunQuery());
        var workflowA = await host.History.ListAsync(new RunQuery(WorkflowId: "wf-a"));
        var failed = await host.History.ListAsync(new RunQuery(Status: "failed"));
        var afterSecond = await host.History.ListAsync(new RunQuery(From: a2.StartedAt));
        var none = await host.History.ListAsync(new RunQuery(To: a1.StartedAt));

        // Assert
        Assert.Equal([b1.RunId, a3.RunId, a2.RunId, a1.RunId], all.Select(r => r.Id));
        Assert.Equal([a3.RunId, a2.RunId, a1.RunId], workflowA.Select(r => r.Id));
        Assert.Equal([a3.RunId], failed.Select(r => r.Id));
        Assert.Equal([b1.RunId, a3.RunId, a2.RunId], afterSecond.Select(r => r.Id));
        Assert.Empty(none);
        Assert.Null(await host.History.GetAsync("no-such-run"));
    }

    [Theory, BothDatabases]
    public async Task ListAndGet_WorkflowRenamedAfterTheRun_ShowTheCurrentNameAndNothingOnceDeleted(DatabaseProvider provider)
    {
        // Arrange: a saved workflow, run under its first name, then renamed.
        await using var host = await RunServiceHost.StartAsync(provider: provider, clock: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var store = host.Provider.GetRequiredService<WorkflowEngine.Persistence.WorkflowStore>();
        var saved = await store.CreateAsync(RunServiceHost.ChatGraph() with { Name = "FAQ bot (sample)" });
        var handle = host.Runs.Start(saved.Graph, new RunRequest(saved.Id, "hello"));
        var run = await handle.Completion;
        await handle.Recorded;
        await store.SaveAsync(saved.Id, saved.Graph with { Name = "My refund bot" }, saved.Version);

        // Act
        var listed = Assert.Single(await host.History.ListAsync(new RunQuery(WorkflowId: saved.Id)));
        var details = await host.History.GetAsync(run.RunId);
        await store.DeleteAsync(saved.Id);
        var afterDelete = await host.History.ListAsync(new RunQuery(WorkflowId: saved.Id));

        // Assert: deleting a workflow deletes its runs.
        Assert.Equal("My refund bot", listed.WorkflowName);
        Assert.Equal("My refund bot", details!.Run.WorkflowName);
        Assert.Empty(afterDelete);
        Assert.Null(await host.History.GetAsync(run.RunId));
    }

    [Theory, BothDatabases]
    public async Task RecordAsync_MoreRunsThanKept_KeepsNewestPerWorkflow(DatabaseProvider provider)
    {
        // Arrange
        await using var host = await RunServiceHost.StartAsync(keepPerWorkflow: 3, provider: provider, clock: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var other = await RecordAsync(host, "wf-other", "kept");
        var runs = new List<CompletedRun>();
        for (var i = 0; i < 5; i++)
        {
            runs.Add(await RecordAsync(host, "wf-a", $"q{i}"));
        }

        // Act
        var kept = await host.History.ListAsync(new RunQuery(WorkflowId: "wf-a"));
        var otherKept = await host.History.ListAsync(new RunQuery(WorkflowId: "wf-other"));
        var turnRuns = new List<string>();
        foreach (var run in runs.Append(other))
        {
            turnRuns.AddRange((await host.History.ConversationAsync(run.ConversationId)).Select(t => t.RunId));
        }

        // Assert: the pruned runs' conversation turns went with them.
        Assert.Equal(runs.Skip(2).Reverse().Select(r => r.RunId), kept.Select(r => r.Id));
        Assert.Equal([other.RunId], otherKept.Select(r => r.Id));
        Assert.Equal(runs.Skip(2).Append(other).SelectMany(r => new[] { r.RunId, r.RunId }), turnRuns);
    }

    [Theory, BothDatabases]
    public async Task ConversationAsync_SucceededFailedAndOtherConversationsRuns_QuestionAndAnswerOfEachSucceededRunOldestFirst(DatabaseProvider provider)
    {
        // Arrange: a conversation of three runs, the second failed, and a run of another conversation in between.
        await using var host = await RunServiceHost.StartAsync(provider: provider, clock: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var first = await RecordAsync(host, "wf-a", "My name is Ada.");
        host.Llm.FailAlways(500);
        var failed = await RecordAsync(host, "wf-a", "Are you there?", first.ConversationId);
        host.Llm.Reset();
        host.Llm.Responder = r => "ok";
        var elsewhere = await RecordAsync(host, "wf-a", "Another conversation");
        var third = await RecordAsync(host, "wf-a", "What is my name?", first.ConversationId);

        // Act
        var turns = await host.History.ConversationAsync(first.ConversationId);
        // As stored: the database keeps times to 0.1 ms.
        var firstStored = (await host.History.GetAsync(first.RunId))!.Run;
        var thirdStored = (await host.History.GetAsync(third.RunId))!.Run;

        // Assert: the user's question when the run started, the answer when it ended; nothing of the failed run.
        Assert.Equal("failed", failed.Status);
        Assert.Equal(first.ConversationId, third.ConversationId);
        Assert.NotEqual(first.ConversationId, elsewhere.ConversationId);
        Assert.Equal(
        [
            new RecordedTurn(ChatTurn.User, "My name is Ada.", first.RunId, firstStored.StartedAt),
            new RecordedTurn(ChatTurn.Assistant, first.Answer!, first.RunId, firstStored.StartedAt + TimeSpan.FromMilliseconds(firstStored.ElapsedMs)),
            new RecordedTurn(ChatTurn.User, "What is my name?", third.RunId, thirdStored.StartedAt),
            new RecordedTurn(ChatTurn.Assistant, "ok", third.RunId, thirdStored.StartedAt + TimeSpan.FromMilliseconds(thirdStored.ElapsedMs)),
        ], turns);
        Assert.Empty(await host.History.ConversationAsync("no-such-conversation"));
    }

    private static async Task<CompletedRun> RecordAsync(RunServiceHost host, string workflowId, string query, string? conversationId = null)
    {
        var request = new RunRequest(workflowId, query);
        var handle = host.Runs.Start(RunServiceHost.ChatGraph(), conversationId is null ? request : request with { ConversationId = conversationId });
        var run = await handle.Completion;
        await handle.Recorded;
        // Distinct start times, so "newest first" is well defined.
        host.Clock!.Advance(TimeSpan.FromSeconds(1));
        return run;
    }
}
