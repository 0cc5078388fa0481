using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Nodes.Types;

/// <summary>
/// Normalizes the user's question so that variants of it ("How do I get a refund?", "  HOW DO I GET A REFUND ??? ", full-width
/// forms, 退钱 vs 退款) become one text, and therefore share cache entries further on. Each step can be switched off.
/// Written by hand because no library does this particular pipeline: the steps are .NET's own Unicode normalization and
/// categories, plus a synonym map applied on whole words for Latin text and as substrings for text without spaces (Chinese).
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
        /// <summary>Replacements applied after the other steps: whole words for Latin text, substrings for Chinese and similar scripts.</summary>
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
        ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { text = Normalize(input, config) })));

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
        var result = text ?? "";
        result = Steps(result, config);
        var synonyms = config.Synonyms ?? [];
        if (synonyms.Count > 0)
        {
            result = GetSynonymMap(synonyms, config).Apply(result);
            if (config.CollapseWhitespace)
            {
                result = Collapse(result);
            }
            if (config.Trim)
            {
                result = result.Trim();
            }
        }
        return result;
    }

    /// <summary>Every step except synonyms (also used to normalize the synonyms themselves, so they match the cleaned text).</summary>
    private static string Steps(string text, Config config)
    {
        if (config.Trim)
        {
            text = text.Trim();
        }
        if (config.Nfkc && !text.IsNormalized(NormalizationForm.FormKC))
        {
            text = text.Normalize(NormalizationForm.FormKC);
        }
        if (config.Lowercase)
        {
            text = text.ToLowerInvariant();
        }
        if (config.StripPunctuation)
        {
            text = RemovePunctuation(text);
        }
        if (config.CollapseWhitespace)
        {
            text = Collapse(text);
        }
        if (config.Trim)
        {
            text = text.Trim();
        }
        return text;
    }

    /// <summary>
    /// Removes punctuation (Unicode categories P*: ASCII !?,.;:'"()[]{}-… and CJK ，。？！、「」；：（）《》… alike). A run of punctuation
    /// between two words written with spaces (Latin, digits) becomes one space so the words stay apart ("refund,please" → "refund please");
    /// next to Chinese and similar scripts it is simply removed ("你好，我要退钱。" → "你好我要退钱"). Apostrophes inside a word and
    /// decimal points between digits are kept as meaning ("don't", "3.5").
    /// </summary>
    private static string RemovePunctuation(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!IsPunctuation(c))
            {
                builder.Append(c);
                continue;
            }
            var start = i;
            while (i + 1 < text.Length && IsPunctuation(text[i + 1]))
            {
                i++;
            }
            var before = start > 0 ? text[start - 1] : '\0';
            var after = i + 1 < text.Length ? text[i + 1] : '\0';
            if (start == i && IsKeptInside(c, before, after))
            {
                builder.Append(c);
            }
            else if (IsSpacedWordChar(before) && IsSpacedWordChar(after))
            {
                builder.Append(' ');
            }
        }
        return builder.ToString();
    }

    private static bool IsPunctuation(char c) => char.IsPunctuation(c) || c is '`' or '^' or '~' or '|' or '～';

    private static bool IsKeptInside(char c, char before, char after) =>
        (c is '\'' or '’' && char.IsLetter(before) && char.IsLetter(after) && !IsUnspacedScript(before))
        || (c is '.' or ',' && char.IsAsciiDigit(before) && char.IsAsciiDigit(after));

    /// <summary>Letters and digits of scripts that separate words with spaces.</summary>
    private static bool IsSpacedWordChar(char c) => char.IsLetterOrDigit(c) && !IsUnspacedScript(c);

    /// <summary>Chinese, Japanese kana and other scripts without spaces between words (Unicode "other letter").</summary>
    internal static bool IsUnspacedScript(char c) => CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.OtherLetter;

    private static string Collapse(string text)
    {
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }
            if (pendingSpace && builder.Length > 0)
            {
                builder.Append(' ');
            }
            pendingSpace = false;
            builder.Append(c);
        }
        if (pendingSpace && builder.Length > 0)
        {
            builder.Append(' ');
        }
        return builder.ToString();
    }

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
        map = SynonymMap.Create(synonyms, config);
        if (SynonymMaps.Count >= MaxCachedSynonymMaps)
        {
            SynonymMaps.Clear();
        }
        SynonymMaps.TryAdd(key, map);
        return map;
    }

    /// <summary>All synonyms as one regular expression, applied in one pass (so a replacement is never replaced again),
    /// longest first (so "money back guarantee" wins over "money back").</summary>
    private sealed class SynonymMap
    {
        private readonly Regex? _regex;
        private readonly Dictionary<string, string> _replacements;

        private readonly MatchEvaluator _replace;

        private SynonymMap(Regex? regex, Dictionary<string, string> replacements)
        {
            _regex = regex;
            _replacements = replacements;
            _replace = m => _replacements.TryGetValue(m.Value, out var to) ? to : m.Value;
        }

        public static SynonymMap Create(IReadOnlyList<Synonym> synonyms, Config config)
        {
            // Synonyms go through the same steps as the text, so "Money back!" matches the cleaned "money back".
            var stepsOnly = config with { Synonyms = [] };
            var replacements = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var synonym in synonyms)
            {
                if (synonym is null || string.IsNullOrWhiteSpace(synonym.From))
                {
                    continue;
                }
                var from = Steps(synonym.From, stepsOnly);
                if (from.Length > 0)
                {
                    replacements.TryAdd(from, Steps(synonym.To ?? "", stepsOnly));
                }
            }
            if (replacements.Count == 0)
            {
                return new SynonymMap(null, replacements);
            }
            var alternatives = replacements.Keys.OrderByDescending(k => k.Length).ThenBy(k => k, StringComparer.Ordinal).Select(Pattern);
            var regex = new Regex(string.Join('|', alternatives),
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
            return new SynonymMap(regex, replacements);
        }

        public string Apply(string text) =>
            _regex is null ? text : _regex.Replace(text, _replace);

        /// <summary>Whole-word match where the phrase starts/ends with a letter or digit of a spaced script; plain substring for Chinese.</summary>
        private static string Pattern(string from)
        {
            var escaped = Regex.Escape(from);
            const string WordChar = @"[\p{Lu}\p{Ll}\p{Lt}\p{Lm}\p{Mn}\p{Nd}]";
            var start = IsSpacedWordChar(from[0]) ? $"(?<!{WordChar})" : "";
            var end = IsSpacedWordChar(from[^1]) ? $"(?!{WordChar})" : "";
            return start + escaped + end;
        }
    }
}
