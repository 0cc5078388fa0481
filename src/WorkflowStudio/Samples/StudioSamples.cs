using System.Collections.Immutable;
using System.Text.Json;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Samples;

/// <summary>The content a new studio starts with: the sample FAQ bot (and its knowledge base), and the blank workflow.</summary>
public sealed class StudioSamples(WorkflowStore store)
{
    public const string FaqBotName = "FAQ bot (sample)";

    /// <summary>Preloads the sample content into a new database.</summary>
    public async Task<StoredWorkflow> SeedAsync(CancellationToken cancellationToken = default) =>
        await store.CreateAsync(await FaqBotAsync(cancellationToken), cancellationToken: cancellationToken);

    /// <summary>The sample FAQ bot: start → clean → cache; cache(hit) → answer; cache(miss) → retrieve → template → llm → answer.</summary>
    public Task<WorkflowGraph> FaqBotAsync(CancellationToken cancellationToken = default)
    {
        const string KnowledgeBaseId = WorkflowEngine.Knowledge.SampleKnowledgeBase.Id;
        var graph = new WorkflowGraph
        {
            Name = FaqBotName,
            Description = "Answers shop customers' questions from the sample knowledge base, remembering answers it has given.",
            Nodes =
            [
                Node("start", "Start", "{}"),
                Node("clean", "Clean the question", """{ "input": "{{ start.query }}" }"""),
                Node("cache", "Answered before?", """{ "input": "{{ clean.text }}", "matchMode": "exact" }""", 3600),
                Node("retrieve", "Search the help articles", """{ "knowledgeBaseId": "KB", "query": "{{ clean.text }}", "topK": 3, "minScore": 0.1, "mode": "hybrid" }""".Replace("KB", KnowledgeBaseId), 1800),
                Node("template", "Build the prompt", """{ "template": "Answer the customer's question using only these help articles.\n\n{{ retrieve.context }}\n\nQuestion: {{ start.query }}" }"""),
                Node("llm", "Write the answer", """{ "temperature": 0.2, "maxTokens": 512, "systemPrompt": "You are a friendly support agent for an online shop. Answer briefly and only from the articles given.", "prompt": "{{ template.text }}", "historyTurns": 5 }""", 600),
                Node("answer", "Answer", """{ "template": "{{ llm.text }}" }"""),
            ],
            Edges =
            [
                new("start", "clean"),
                new("clean", "cache"),
                new("cache", "answer", FromPort: "hit"),
                new("cache", "retrieve", FromPort: "miss"),
                new("retrieve", "template"),
                new("template", "llm"),
                new("llm", "answer"),
            ],
            Layout = new Dictionary<string, NodePosition>
            {
                ["start"] = new(40, 200), ["clean"] = new(300, 200), ["cache"] = new(560, 200), ["retrieve"] = new(820, 320),
                ["template"] = new(1080, 320), ["llm"] = new(1340, 320), ["answer"] = new(1600, 200),
            }.ToImmutableDictionary(),
        };
        return Task.FromResult(graph);
    }

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
