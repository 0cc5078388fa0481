using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Nodes;
using static WorkflowEngine.Tests.Execution.TestEngine;

namespace WorkflowEngine.Tests.Execution;

/// <summary>The runner and the answer node with a response-cache gate: a stand-in registered under the agreed key <c>cache</c>
/// (ports hit/miss, outputs hit/answer, stores the answer on completion), so these tests do not depend on the real gate's storage.</summary>
public sealed class CacheGateFlowTests
{
    [Fact]
    public async Task RunToCompletionAsync_GateHit_SkipsTheMissBranchAndAnswersFromCache()
    {
        // Arrange
        using var services = CreateWithGate();
        var answers = services.GetRequiredService<StandInGate.Store>();
        answers.Answers["where is my parcel"] = "It is on its way.";

        // Act
        var result = await services.Runner().RunToCompletionAsync(Bot(), Request("  Where is my PARCEL?? "));

        // Assert
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal("It is on its way.", result.Answer);
        Assert.Equal(NodeRunStatus.Skipped, result["template"]!.Status);
        Assert.Equal("bypassed: answered from cache", result["template"]!.Message);
        Assert.Equal(NodeRunStatus.Skipped, result["prompt2"]!.Status);
        Assert.Equal("bypassed: answered from cache", result["prompt2"]!.Message);
        Assert.Equal("hit", result["cache"]!.Port);
        Assert.Equal(NodeRunStatus.Succeeded, result["answer"]!.Status);
    }

    [Fact]
    public async Task RunToCompletionAsync_GateMissThenSameQuestion_SecondRunHitsTheStoredAnswer()
    {
        // Arrange
        using var services = CreateWithGate();
        var runner = services.Runner();

        // Act
        var first = await runner.RunToCompletionAsync(Bot(), Request("How do I get a refund?"));
        var second = await runner.RunToCompletionAsync(Bot(), Request("HOW DO I GET A REFUND ???"));

        // Assert
        Assert.Equal("Answering: how do i get a refund", first.Answer);
        Assert.Equal(NodeRunStatus.Succeeded, first["template"]!.Status);
        Assert.Equal(first.Answer, second.Answer);
        Assert.Equal(NodeRunStatus.Skipped, second["template"]!.Status);
    }

    private static ServiceProvider CreateWithGate() => Create(configure: services =>
    {
        services.AddSingleton<StandInGate.Store>();
        services.AddSingleton(sp =>
        {
            var gate = new NodeDescriptor(new NodeTypeAttribute("cache") { OutputPorts = ["hit", "miss"], Outputs = ["hit", "answer", "question"], SuppliesCachedAnswer = true },
                typeof(StandInGate), typeof(StandInGate.Config));
            var engine = NodeRegistry.Discover().Where(d => d.Key != "cache");
            var tests = NodeRegistry.Discover(typeof(CacheGateFlowTests).Assembly).Where(d => d.Key.StartsWith("test-", StringComparison.Ordinal));
            return new NodeRegistry(engine.Concat(tests).Append(gate));
        });
    });

    /// <summary>start → clean → cache; cache(hit) → answer; cache(miss) → template → prompt2 → answer.</summary>
    private static WorkflowEngine.Graphs.WorkflowGraph Bot() => Graph(
        [
            Node("start", "start"),
            Node("clean", "clean"),
            Node("cache", "cache"),
            Node("template", "template", """{ "template": "Answering: {{ clean.text }}" }"""),
            Node("prompt2", "test-echo", """{ "text": "{{ template.text }}" }"""),
            Node("answer", "answer", """{ "template": "{{ prompt2.text }}" }"""),
        ],
        Edge("start", "clean"), Edge("clean", "cache"), Edge("cache", "answer", "hit"), Edge("cache", "template", "miss"),
        Edge("template", "prompt2"), Edge("prompt2", "answer"));

    /// <summary>Exact-match response cache in memory, behaving as agreed for the <c>cache</c> node type.</summary>
    private sealed class StandInGate(StandInGate.Store store) : Node<StandInGate.Config, string>, IRunCompletionParticipant
    {
        public sealed class Store
        {
            public ConcurrentDictionary<string, string> Answers { get; } = new();
        }

        public sealed record Config
        {
            public string Input { get; init; } = "{{ clean.text }}";
        }

        protected override string ResolveInput(NodeContext context, Config config) => WorkflowEngine.Nodes.Templates.TemplateRenderer.Render(config.Input, context);

        protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken)
        {
            var hit = store.Answers.TryGetValue(input, out var answer);
            return ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { hit, answer, question = input })) { ActivePort = hit ? "hit" : "miss", BypassReason = hit ? "answered from cache" : null });
        }

        public ValueTask OnRunCompletedAsync(NodeContext context, NodeResult ownResult, string answer, CancellationToken cancellationToken)
        {
            if (ownResult.ActivePort == "miss")
            {
                store.Answers[ownResult.Outputs.GetString("question")!] = answer;
            }
            return ValueTask.CompletedTask;
        }
    }
}
