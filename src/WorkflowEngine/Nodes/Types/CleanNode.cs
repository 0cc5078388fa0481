using System.Globalization;
using System.Collections.Concurrent;
using WorkflowEngine.Nodes.Templates;
using WorkflowEngine.Text;

namespace WorkflowEngine.Nodes.Types;

/// <summary>
/// Normalizes the user's question so that variants of it ("How do I get a refund?", "  HOW DO I GET A REFUND ??? ", full-width
/// forms, 退钱 vs 退款) become one text, and therefore share cache entries further on. Each step can be switched off.
/// The steps are <see cref="TextNormalization"/> and <see cref="SynonymMap"/> (whole words, in Chinese by segmented words).
/// </summary>
[NodeType("clean",
    DisplayName = "Clean text",
    Category = "Text",
    Description = "Tidies the question: trims, turns full-width characters into normal ones, lower-cases, removes punctuation, "
        + "collapses spaces and replaces synonyms (e.g. 退钱 → 退款), so similar questions are answered from the same cache.",
    Icon = "CleaningServices",
    CacheKind = "clean",
    DefaultTtlSeconds = 3600,
    Outputs = ["text"],
    Color = "#0d9488", // teal
    PaletteOrder = 20)]
public sealed class CleanNode : Node<CleanNode.Config, string>
{
    private const int MaxCachedSynonymMaps = 256;
    private static readonly ConcurrentDictionary<string, SynonymMap> SynonymMaps = new(StringComparer.Ordinal);

    public sealed record Config : INodeSummary
    {
        /// <summary>The text to clean (a template).</summary>
        public string Input { get; init; } = "{{ start.query }}";
        public bool Trim { get; init; } = true;
        /// <summary>Unicode NFKC: full-width letters, digits and punctuation become their ordinary forms (ＡＢＣ１２３？ → ABC123?).</summary>
        public bool Nfkc { get; init; } = true;
        public bool Lowercase { get; init; } = true;
        /// <summary>Removes ASCII and CJK punctuation (，。？！、「」；：（）《》… included).</summary>
        public bool StripPunctuation { get; init; } = true;
        public bool CollapseWhitespace { get; init; } = true;
        /// <summary>Replacements applied after the other steps, on whole words (Chinese: segmented words).</summary>
        public IReadOnlyList<Synonym> Synonyms { get; init; } = [];

        public string Summarize(NodeSummaryContext context)
        {
            var on = new[] { Trim, Nfkc, Lowercase, StripPunctuation, CollapseWhitespace }.Count(step => step);
            var text = on == 1 ? "1 step" : string.Create(CultureInfo.InvariantCulture, $"{on} steps");
            return Synonyms.Count switch
            {
                0 => text,
                1 => text + " · 1 synonym",
                var n => string.Create(CultureInfo.InvariantCulture, $"{text} · {n} synonyms"),
            };
        }
    }

    public sealed record Synonym(string From, string To);

    protected override string ResolveInput(NodeContext context, Config config) => TemplateRenderer.Render(config.Input, context);

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, string input, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new NodeResult(NodeOutputs.Write(Normalize(input, config), static (w, text) => w.String("text", text))));

    protected override IEnumerable<string> Validate(Config config)
    {
        if (string.IsNullOrWhiteSpace(config.Input))
        {
            yield return "Say which text to clean, usually {{ start.query }}.";
        }
        else if (TemplateRenderer.GetSyntaxError(config.Input) is { } error)
        {
            yield return error;
        }
        var synonyms = config.Synonyms ?? [];
        for (var i = 0; i < synonyms.Count; i++)
        {
            if (synonyms[i] is null || string.IsNullOrWhiteSpace(synonyms[i].From))
            {
                yield return $"Synonym {i + 1} has nothing to replace: fill in 'from'.";
            }
        }
    }

    protected override IEnumerable<VariableReference> References(Config config) => TemplateReferenceFinder.Find(config.Input, "input");

    /// <summary>Runs the pipeline on a text: trim, NFKC, lower-case, strip punctuation, synonyms, collapse whitespace (each as configured).</summary>
    public static string Normalize(string? text, Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var result = Steps(config).Apply(text ?? "");
        var synonyms = config.Synonyms ?? [];
        if (synonyms.Count > 0)
        {
            result = GetSynonymMap(synonyms, config).Apply(result);
            if (config.CollapseWhitespace)
            {
                result = TextNormalization.Collapse(result);
            }
            if (config.Trim)
            {
                result = result.Trim();
            }
        }
        return result;
    }

    /// <summary>Every step except synonyms (also applied to the synonyms themselves, so they match the cleaned text).</summary>
    private static TextNormalization Steps(Config config) => new()
    {
        Trim = config.Trim,
        Nfkc = config.Nfkc,
        Lowercase = config.Lowercase,
        StripPunctuation = config.StripPunctuation,
        CollapseWhitespace = config.CollapseWhitespace,
    };

    private static SynonymMap GetSynonymMap(IReadOnlyList<Synonym> synonyms, Config config)
    {
        // A node's Config is read once per node definition and reused by every run: remember its map on it, so a run does not
        // build the lookup key below (a join over every synonym) each time.
        if (MapsByConfig.TryGetValue(config, out var known))
        {
            return known;
        }
        var found = FindSynonymMap(synonyms, config);
        MapsByConfig.AddOrUpdate(config, found);
        return found;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Config, SynonymMap> MapsByConfig = new();

    private static SynonymMap FindSynonymMap(IReadOnlyList<Synonym> synonyms, Config config)
    {
        var key = string.Join('\u0001', synonyms.Where(s => s is not null).Select(s => s.From + '\u0002' + s.To))
            + $"|{config.Trim}{config.Nfkc}{config.Lowercase}{config.StripPunctuation}{config.CollapseWhitespace}";
        if (SynonymMaps.TryGetValue(key, out var map))
        {
            return map;
        }
        map = SynonymMap.Create(synonyms.Where(s => s is not null).Select(s => (s.From, (string?)s.To)), Steps(config));
        if (SynonymMaps.Count >= MaxCachedSynonymMaps)
        {
            SynonymMaps.Clear();
        }
        SynonymMaps.TryAdd(key, map);
        return map;
    }
}
