using System.Collections.Immutable;
using System.Text.Json;

namespace WorkflowEngine.Graphs;

/// <summary>Ready-made workflows: the sample FAQ bot preloaded on first start and offered again from the workflow list, and
/// the routing sample offered there too.</summary>
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

    public const string RoutingBotName = "Order and account router (sample)";

    /// <summary>The prompt of the routing sample: the passages of whichever knowledge base the question was routed to.</summary>
    public const string RoutingPromptTemplate =
        """
        You are the customer-service assistant of Harbor Lane, an online shop. This question was routed to the {{ route.class }} desk.
        Answer the customer's question using ONLY the information in the context below.
        If the context does not contain the answer, say that you do not know and suggest contacting customer service; never guess or invent policies, prices or dates.
        Keep the answer short and friendly (at most a few sentences) and reply in the language of the question.

        Context:
        {{ orders.context }}{{ account.context }}{{ help.context }}

        Question: {{ start.query }}
        """;

    /// <summary>The routing sample's classes and their example questions. bench/ClassifyEval measures the classify step with
    /// these (docs/benchmarks.md, "Classify step").</summary>
    public static IReadOnlyList<(string Name, IReadOnlyList<string> Examples)> RoutingClasses { get; } =
    [
        ("orders",
        [
            "Where is my order?",
            "When will my parcel arrive?",
            "I want to cancel my order",
            "How do I return an item?",
            "My package arrived damaged",
            "Can I change the delivery address of my order?",
            "When do I get my refund?",
            "How do I track my parcel?",
            "Can I exchange an item for another size?",
        ]),
        ("account",
        [
            "I can't log in to my account",
            "How do I reset my password?",
            "How do I create an account?",
            "Please delete my account",
            "How can I change the email address on my account?",
            "How do I update my profile details?",
            "How do I stop your emails?",
            "How do I keep my account secure?",
        ]),
    ];

    /// <summary>
    /// start → route (classify: orders, account, else other) → a knowledge search per route: order questions in the orders
    /// knowledge base, account questions in the account one, anything else in the whole help centre → template → llm → answer.
    /// The classify step caches its decisions (3600 s), the searches their results (1800 s), the llm its answers (600 s).
    /// </summary>
    public static WorkflowGraph RoutingBot(string helpCentreKnowledgeBaseId, string ordersKnowledgeBaseId, string accountKnowledgeBaseId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(helpCentreKnowledgeBaseId);
        ArgumentException.ThrowIfNullOrWhiteSpace(ordersKnowledgeBaseId);
        ArgumentException.ThrowIfNullOrWhiteSpace(accountKnowledgeBaseId);
        return new WorkflowGraph
        {
            Name = RoutingBotName,
            Description = "Sends order questions and account questions to their own knowledge bases, and anything else to the whole help centre. The \"Which desk?\" step decides by meaning, from a few example questions per desk.",
            Nodes =
            [
                Node("start", "start", "Customer question", new { }, NodeCacheSettings.Disabled),
                Node("route", "classify", "Which desk?", new
                {
                    input = "{{ start.query }}",
                    classes = RoutingClasses.Select(c => new { name = c.Name, examples = c.Examples }),
                    fallback = "other",
                }, new NodeCacheSettings(true, 3600)),
                Search("orders", "Search order help", ordersKnowledgeBaseId),
                Search("account", "Search account help", accountKnowledgeBaseId),
                Search("help", "Search the help centre", helpCentreKnowledgeBaseId),
                Node("template", "template", "Build the prompt", new { template = RoutingPromptTemplate }, NodeCacheSettings.Disabled),
                Node("llm", "llm", "Write the answer", new
                {
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
                new Edge("start", "route"),
                new Edge("route", "orders", FromPort: "orders"),
                new Edge("route", "account", FromPort: "account"),
                new Edge("route", "help", FromPort: "other"),
                new Edge("orders", "template"),
                new Edge("account", "template"),
                new Edge("help", "template"),
                new Edge("template", "llm"),
                new Edge("llm", "answer"),
            ],
            // The three searches in a column beside the router, each level with its output; they meet again in the prompt.
            Layout = new Dictionary<string, NodePosition>
            {
                ["start"] = new(40, 150),
                ["route"] = new(300, 138),
                ["orders"] = new(560, 20),
                ["account"] = new(560, 150),
                ["help"] = new(560, 280),
                ["template"] = new(820, 150),
                ["llm"] = new(1080, 150),
                ["answer"] = new(1340, 150),
            }.ToImmutableDictionary(),
        };

        static NodeDefinition Search(string id, string title, string knowledgeBaseId) => Node(id, "retrieve", title, new
        {
            knowledgeBaseId,
            query = "{{ start.query }}",
            topK = 3,
            minScore = 0.2,
            mode = "hybrid",
        }, new NodeCacheSettings(true, 1800));
    }

    private static NodeDefinition Node(string id, string type, string title, object settings, NodeCacheSettings cache) =>
        new(id, type, title, JsonSerializer.SerializeToElement(settings, SettingsOptions), cache);
}
