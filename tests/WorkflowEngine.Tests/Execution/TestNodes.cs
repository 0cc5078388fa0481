using System.Collections.Concurrent;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Tests.Execution;

/// <summary>Shared with the test node types through DI: what they saw, and signals to coordinate with the test.</summary>
internal sealed class TestProbe
{
    public ConcurrentQueue<string> Executed { get; } = new();
    public ConcurrentQueue<(string NodeId, string Answer)> Completions { get; } = new();
    public TaskCompletionSource SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Renders its <c>text</c> setting and outputs it; records that it ran.</summary>
[NodeType("test-echo", Outputs = ["text"])]
internal sealed class EchoTestNode(TestProbe probe) : Node<EchoTestNode.Config, string>
{
    public sealed record Config
    {
        public string Text { get; init; } = "";
    }

    protected override string ResolveInput(NodeContext context, Config config) => TemplateRenderer.Render(config.Text, context);

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken)
    {
        probe.Executed.Enqueue(context.Node.Id);
        return ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { text = input })));
    }
}

/// <summary>A node with two output ports that continues on the port named in its settings.</summary>
[NodeType("test-gate", OutputPorts = ["yes", "no"], Outputs = ["port"])]
internal sealed class GateTestNode(TestProbe probe) : Node<GateTestNode.Config, string>
{
    public sealed record Config
    {
        public string Port { get; init; } = "yes";
    }

    protected override string ResolveInput(NodeContext context, Config config) => config.Port;

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken)
    {
        probe.Executed.Enqueue(context.Node.Id);
        return ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { port = input })) { ActivePort = input });
    }
}

/// <summary>Always fails with its <c>message</c> setting.</summary>
[NodeType("test-fail")]
internal sealed class FailTestNode : Node<FailTestNode.Config, string>
{
    public sealed record Config
    {
        public string Message { get; init; } = "the spreadsheet is on fire";

        /// <summary>"bug" throws a NullReferenceException (a programming error) instead.</summary>
        public string Kind { get; init; } = "";
    }

    protected override string ResolveInput(NodeContext context, Config config) => config.Message;

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        config.Kind == "bug" ? throw new NullReferenceException("Object reference not set to an instance of an object.") : throw new InvalidOperationException(input);
}

/// <summary>Moves a fake clock forward by its <c>seconds</c> setting while it "works".</summary>
[NodeType("test-clock", Outputs = ["text"])]
internal sealed class ClockTestNode(TimeProvider time) : Node<ClockTestNode.Config, string>
{
    public sealed record Config
    {
        public int Seconds { get; init; } = 5;
        public string Text { get; init; } = "tick";
    }

    protected override string ResolveInput(NodeContext context, Config config) => config.Text;

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken)
    {
        ((Microsoft.Extensions.Time.Testing.FakeTimeProvider)time).Advance(TimeSpan.FromSeconds(config.Seconds));
        return ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { text = input })));
    }
}

/// <summary>Signals that it started, then waits for the probe's release (or cancellation, unless it ignores it).</summary>
[NodeType("test-slow", Outputs = ["text"])]
internal sealed class SlowTestNode(TestProbe probe) : Node<SlowTestNode.Config, string>
{
    public sealed record Config
    {
        public bool IgnoreCancellation { get; init; }
    }

    protected override string ResolveInput(NodeContext context, Config config) => "";

    protected override async ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken)
    {
        probe.SlowStarted.TrySetResult();
        if (config.IgnoreCancellation)
        {
            await probe.Release.Task;
        }
        else
        {
            await probe.Release.Task.WaitAsync(cancellationToken);
        }
        return new NodeResult(NodeOutputs.From(new { text = "slow done" }));
    }
}

/// <summary>Streams its text as three tokens.</summary>
[NodeType("test-stream", Outputs = ["text"])]
internal sealed class StreamTestNode : Node<StreamTestNode.Config, string>
{
    public sealed record Config;

    protected override string ResolveInput(NodeContext context, Config config) => "";

    protected override async ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken)
    {
        foreach (var token in new[] { "Hel", "lo", "!" })
        {
            await context.StreamTokenAsync(token);
        }
        return new NodeResult(NodeOutputs.From(new { text = "Hello!" })) { StreamedText = "Hello!", Usage = new TokenUsage(10, 3) };
    }
}

/// <summary>Records the run's answer when the run completes (like the cache gate storing it).</summary>
[NodeType("test-participant", Outputs = ["text"])]
internal sealed class ParticipantTestNode(TestProbe probe) : Node<ParticipantTestNode.Config, string>, IRunCompletionParticipant
{
    public sealed record Config;

    protected override string ResolveInput(NodeContext context, Config config) => "";

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { text = "" })));

    public ValueTask OnRunCompletedAsync(NodeContext context, NodeResult ownResult, string answer, CancellationToken cancellationToken)
    {
        probe.Completions.Enqueue((context.Node.Id, answer));
        return ValueTask.CompletedTask;
    }
}
