using System.Collections.Concurrent;
using JiebaNet.Segmenter;

namespace WorkflowEngine.Text;

/// <summary>
/// Chinese word segmentation: jieba.NET in precise mode (its dictionary, plus its HMM for words the dictionary lacks), so
/// "我想申请退款，订单还没发货" reads as 我/想/申请/退款/订单/还/没/发货 instead of overlapping character pairs.
/// </summary>
/// <remarks>
/// The dictionary (7.6 MB of files, +35 MiB of managed memory) loads once, on the first Chinese text, in about a second
/// (docs/benchmarks.md, "Chinese word segmentation and one text module"); English-only workloads never load it. The files
/// come from the jieba.NET package and are copied next to the engine's assembly by WorkflowEngine.csproj (folder <see cref="DictionaryFolder"/>),
/// so a fresh build or publish output works offline with no setup step. No word is ever added after loading, so a cut only
/// reads jieba's dictionaries and is safe from any thread.
/// </remarks>
public static class ChineseSegmenter
{
    /// <summary>The folder under the application's base directory that holds jieba's dictionary files.</summary>
    public const string DictionaryFolder = "jieba";

    private const int MaxRemembered = 4096;

    private static readonly Lazy<JiebaSegmenter> Segmenter = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    // Shared by design: the offline responder segments the sentences of the same retrieved passages for every answer drawn
    // from them; the bound keeps it small (cleared when full, as the clean node's synonym maps are).
    private static readonly ConcurrentDictionary<string, string[]> Remembered = new(StringComparer.Ordinal);

    /// <summary>Where the dictionary files are read from.</summary>
    public static string DictionaryDirectory { get; } = Path.Combine(AppContext.BaseDirectory, DictionaryFolder);

    /// <summary>True once the dictionary has been loaded in this process.</summary>
    public static bool IsLoaded => Segmenter.IsValueCreated;

    /// <summary>The words of <paramref name="text"/> in order, whitespace dropped; characters of other scripts come as jieba
    /// groups them ("PayPal", "，"). Empty for text without CJK characters, which never loads the dictionary.</summary>
    public static IReadOnlyList<string> Segment(string? text)
    {
        if (string.IsNullOrEmpty(text) || !CjkText.Contains(text))
        {
            return [];
        }

        if (Remembered.TryGetValue(text, out var known))
        {
            return known;
        }

        var words = Segmenter.Value.Cut(text, cutAll: false, hmm: true).Where(w => !string.IsNullOrWhiteSpace(w)).ToArray();
        if (Remembered.Count >= MaxRemembered)
        {
            Remembered.Clear();
        }

        Remembered.TryAdd(text, words);
        return words;
    }

    /// <summary>The words of <paramref name="text"/> that contain a CJK character (<see cref="Segment"/> without the other
    /// scripts' pieces and punctuation).</summary>
    public static IEnumerable<string> CjkWords(string? text) => Segment(text).Where(CjkText.Contains);

    /// <summary>Positions in <paramref name="text"/> where a word starts or ends (0 and the length included), for matching
    /// phrases on whole words.</summary>
    public static IReadOnlySet<int> Boundaries(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var boundaries = new HashSet<int> { 0, text.Length };
        if (!CjkText.Contains(text))
        {
            return boundaries;
        }

        var position = 0;
        foreach (var word in Segmenter.Value.Cut(text, cutAll: false, hmm: true))
        {
            boundaries.Add(position);
            position += word.Length;
            boundaries.Add(position);
        }

        return boundaries;
    }

    private static JiebaSegmenter Load()
    {
        var dictionary = Path.Combine(DictionaryDirectory, "dict.txt");
        if (!File.Exists(dictionary))
        {
            throw new FileNotFoundException(
                $"The Chinese word dictionary is missing: {dictionary}. The build copies it from the jieba.NET package "
                + "(WorkflowEngine.csproj); rebuild or republish the application.", dictionary);
        }

        // jieba reads every file relative to this one setting; an absolute path keeps it independent of the working directory.
        ConfigManager.ConfigFileBaseDir = DictionaryDirectory;
        var segmenter = new JiebaSegmenter();
        // The dictionary and the HMM load on the first cut, not in the constructor: take that cost here, once.
        _ = segmenter.Cut("加载词典").ToList();
        return segmenter;
    }
}
