using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WorkflowEngine.Knowledge;

/// <summary>A document of the sample knowledge base: file name (e.g. <c>refunds.md</c>) and Markdown text.</summary>
public sealed record SampleArticle(string Name, string Text)
{
    /// <summary>The article's key, its file name without extension (e.g. <c>refunds</c>); the question set uses it.</summary>
    public string Intent => Path.GetFileNameWithoutExtension(Name);
}

/// <summary>A question set in the shape of the FAQ datasets: per intent (article key) a canonical question and paraphrases,
/// plus questions the knowledge base does not answer.</summary>
public sealed record QuestionSet(
    [property: JsonPropertyName("about")] string? About,
    [property: JsonPropertyName("intents")] IReadOnlyDictionary<string, QuestionSetIntent> Intents,
    [property: JsonPropertyName("out_of_scope")] IReadOnlyList<string> OutOfScope)
{
    public static QuestionSet Parse(string json) =>
        JsonSerializer.Deserialize<QuestionSet>(json) ?? throw new FormatException("The question set is empty.");
}

public sealed record QuestionSetIntent(
    [property: JsonPropertyName("canonical")] string Canonical,
    [property: JsonPropertyName("paraphrases")] IReadOnlyList<string> Paraphrases);

/// <summary>The product's own sample knowledge base: 20 short help-centre articles of the fictional shop Harbor Lane, written
/// for the sample FAQ bot, each in English with a Chinese section, embedded in the engine assembly.</summary>
public static class SampleKnowledgeBase
{
    /// <summary>Fixed id, so the sample bot can refer to it and <c>EnsureSampleAsync</c> stays idempotent.</summary>
    public const string Id = "sample-shop";
    public const string Name = "Harbor Lane help centre (sample)";
    public const string Description = "Sample knowledge base: 20 short help articles of a fictional shop, in English and Chinese.";
    private const string Prefix = "WorkflowEngine.Knowledge.Sample.";

    private static readonly Lazy<IReadOnlyList<SampleArticle>> LazyArticles = new(() =>
    [
        .. Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new SampleArticle(n[Prefix.Length..], Read(n))),
    ]);

    public static IReadOnlyList<SampleArticle> Articles => LazyArticles.Value;

    /// <summary>The whole help centre: the sample FAQ bot's knowledge base.</summary>
    public static SampleKnowledgeBasePart HelpCentre { get; } = new(Id, Name, Description, []);

    /// <summary>The articles about orders and deliveries, for the routing sample's order questions.</summary>
    public static SampleKnowledgeBasePart Orders { get; } = new("sample-shop-orders", "Harbor Lane orders and deliveries (sample)",
        "Sample knowledge base: the help centre's articles about orders, deliveries, returns and refunds.",
        ["order-tracking", "cancel-order", "change-address", "delivery-times", "shipping-costs", "international-shipping", "returns", "refunds", "exchanges", "damaged-items"]);

    /// <summary>The articles about the customer account, for the routing sample's account questions.</summary>
    public static SampleKnowledgeBasePart Account { get; } = new("sample-shop-account", "Harbor Lane customer account (sample)",
        "Sample knowledge base: the help centre's articles about creating, signing in to and deleting an account.",
        ["create-account", "login-problems", "delete-account"]);

    /// <summary>For each article one canonical question and two paraphrases, plus out-of-scope questions.</summary>
    public static QuestionSet LoadQuestions() => QuestionSet.Parse(Read(Prefix + "questions.json"));

    /// <summary>The same in Chinese: per article a canonical question and three paraphrases, plus out-of-scope questions
    /// (each article has a Chinese section that answers them).</summary>
    public static QuestionSet LoadChineseQuestions() => QuestionSet.Parse(Read(Prefix + "questions-chinese.json"));

    private static Assembly Assembly => typeof(SampleKnowledgeBase).Assembly;

    private static string Read(string resource)
    {
        using var stream = Assembly.GetManifestResourceStream(resource) ?? throw new InvalidOperationException($"Missing resource {resource}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>A sample knowledge base made of the help centre's articles: all of them (no <paramref name="Intents"/>), or those
/// named (article keys), under its own fixed id so <c>EnsureSampleAsync</c> stays idempotent.</summary>
public sealed record SampleKnowledgeBasePart(string Id, string Name, string Description, IReadOnlyList<string> Intents)
{
    public IReadOnlyList<SampleArticle> Articles =>
        Intents.Count == 0 ? SampleKnowledgeBase.Articles : [.. SampleKnowledgeBase.Articles.Where(a => Intents.Contains(a.Intent, StringComparer.Ordinal))];
}
