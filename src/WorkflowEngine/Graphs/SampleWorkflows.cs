using System.Collections.Immutable;
using System.Text.Json;

namespace WorkflowEngine.Graphs;

/// <summary>Ready-made workflows: the sample FAQ bot preloaded on first start and offered again from the workflow list.</summary>
public static class SampleWorkflows
{
    public const string FaqBotName = "FAQ bot (sample)";

    /// <summary>The prompt of the sample bot: answer only from the retrieved passages, admit when they do not say.</summary>
    public const string FaqPromptTemplate =
        """
        You are the customer-service assistant of Harbor Lane, an online shop.
        Answer the customer's question using ONLY the information in the context below.
        If the context does not contain the answer, say that you do not know and suggest contacting customer service; never guess or invent policies, prices or dates.
        Keep the answer short and friendly (at most a few sentences) and reply in the language of the question.

        Context:
        {{ retrieve.context }}

        Question: {{ start.query }}
        """;

    public const string FaqSystemPrompt =
        "You are a helpful, accurate customer-service assistant. You only state facts found in the context you are given.";

    private static readonly JsonSerializerOptions SettingsOptions = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// start → clean → cache (response-cache gate on the cleaned question); on a hit the gate goes straight to the answer,
    /// on a miss: retrieve → template → llm → answer. Caching is on for retrieve (1800 s), llm (600 s) and the gate (3600 s).
    /// Node ids equal their type keys.
    /// </summary>
    public static WorkflowGraph FaqBot(string knowledgeBaseId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(knowledgeBaseId);
        return new WorkflowGraph
        {
            Name = FaqBotName,
            Description = "Answers customer questions from a knowledge base. A question asked again, in any case or punctuation, is answered from the cache; set the \"Answered before?\" step to match \"Questions with the same meaning\" to reuse answers for reworded questions too.",
            Nodes =
            [
                Node("start", "start", "Customer question", new { }, NodeCacheSettings.Disabled),
                Node("clean", "clean", "Clean up the question", new
                {
                    input = "{{ start.query }}",
                    trim = true,
                    nfkc = true,
                    lowercase = true,
                    stripPunctuation = true,
                    collapseWhitespace = true,
                    synonyms = new[]
                    {
                        new { from = "money back", to = "refund" },
                        new { from = "reimbursement", to = "refund" },
                        new { from = "退钱", to = "退款" },
                    },
                }, NodeCacheSettings.Disabled),
                Node("cache", "cache", "Answered before?", new
                {
                    input = "{{ clean.text }}",
                    matchMode = "exact",
                    threshold = 0.25, // what the semantic matcher is tuned for (docs/benchmarks.md, "Semantic cache")
                }, new NodeCacheSettings(true, 3600)),
                Node("retrieve", "retrieve", "Search the help centre", new
                {
                    knowledgeBaseId,
                    query = "{{ clean.text }}",
                    topK = 3,
                    minScore = 0.2,
                    mode = "hybrid",
                }, new NodeCacheSettings(true, 1800)),
                Node("template", "template", "Build the prompt", new { template = FaqPromptTemplate }, NodeCacheSettings.Disabled),
                Node("llm", "llm", "Write the answer", new
                {
                    model = "",
                    baseUrl = "",
                    apiKey = "",
                    temperature = 0.2,
                    maxTokens = 512,
                    systemPrompt = FaqSystemPrompt,
                    prompt = "{{ template.text }}",
                    historyTurns = 5,
                }, new NodeCacheSettings(true, 600)),
                Node("answer", "answer", "Reply", new { template = "{{ llm.text }}" }, NodeCacheSettings.Disabled),
            ],
            Edges =
            [
                new Edge("start", "clean"),
                new Edge("clean", "cache"),
                new Edge("cache", "answer", FromPort: "hit"),
                new Edge("cache", "retrieve", FromPort: "miss"),
                new Edge("retrieve", "template"),
                new Edge("template", "llm"),
                new Edge("llm", "answer"),
            ],
            // Two rows that fit a laptop screen: the cache-hit shortcut runs along the top row straight to the answer,
            // the miss path (retrieve → template → llm) returns to the left on the second row and rises back into the answer.
            Layout = new Dictionary<string, NodePosition>
            {
                ["start"] = new(40, 40),
                ["clean"] = new(300, 40),
                ["cache"] = new(560, 40),
                ["retrieve"] = new(40, 220),
                ["template"] = new(300, 220),
                ["llm"] = new(560, 220),
                ["answer"] = new(820, 130),
            }.ToImmutableDictionary(),
        };
    }

    private static NodeDefinition Node(string id, string type, string title, object settings, NodeCacheSettings cache) =>
        new(id, type, title, JsonSerializer.SerializeToElement(settings, SettingsOptions), cache);
}
