using System.Collections.Immutable;
using System.Text.Json;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Samples;

/// <summary>The content a new studio starts with: the sample FAQ bot (and its knowledge base), the routing sample offered
/// beside it, and the blank workflow.</summary>
public sealed class StudioSamples(WorkflowStore store, KnowledgeBaseService knowledgeBases)
{
    public const string FaqBotName = SampleWorkflows.FaqBotName;

    /// <summary>Preloads the sample knowledge base and FAQ bot into a new database.</summary>
    public async Task<StoredWorkflow> SeedAsync(CancellationToken cancellationToken = default) =>
        await store.CreateAsync(await FaqBotAsync(cancellationToken), cancellationToken: cancellationToken);

    /// <summary>The sample FAQ bot (<see cref="SampleWorkflows.FaqBot"/>) on the sample knowledge base, which is created
    /// (or completed) first, so the bot has something to search.</summary>
    public async Task<WorkflowGraph> FaqBotAsync(CancellationToken cancellationToken = default) =>
        SampleWorkflows.FaqBot(await knowledgeBases.EnsureSampleAsync(cancellationToken));

    /// <summary>The routing sample (<see cref="SampleWorkflows.RoutingBot"/>) on the whole help centre and its orders and
    /// account parts, which are created (or completed) first.</summary>
    public async Task<WorkflowGraph> RoutingBotAsync(CancellationToken cancellationToken = default) =>
        SampleWorkflows.RoutingBot(
            await knowledgeBases.EnsureSampleAsync(SampleKnowledgeBase.HelpCentre, cancellationToken),
            await knowledgeBases.EnsureSampleAsync(SampleKnowledgeBase.Orders, cancellationToken),
            await knowledgeBases.EnsureSampleAsync(SampleKnowledgeBase.Account, cancellationToken));

    /// <summary>A new workflow that already runs: the question goes straight to the answer.</summary>
    public static WorkflowGraph Blank(string name) => new()
    {
        Name = name,
        Nodes = [Node("start", "Start", "{}"), Node("answer", "Answer", """{ "template": "{{ start.query }}" }""")],
        Edges = [new("start", "answer")],
        Layout = new Dictionary<string, NodePosition> { ["start"] = new(80, 200), ["answer"] = new(420, 200) }.ToImmutableDictionary(),
    };

    private static NodeDefinition Node(string id, string title, string settings, int? cacheTtlSeconds = null) =>
        new(id, id, title, JsonDocument.Parse(settings).RootElement.Clone(),
            cacheTtlSeconds is { } ttl ? new NodeCacheSettings(true, ttl) : NodeCacheSettings.Disabled);
}
