using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Fluid;
using Fluid.Values;
using Microsoft.Extensions.FileProviders;

namespace WorkflowEngine.Nodes.Templates;

/// <summary>
/// Renders node settings such as <c>Answer the question: {{ start.query }}</c> against the outputs of earlier nodes, with Fluid
/// (Liquid). Each node id is a variable; its outputs are members: strings, numbers, booleans, arrays (<c>{% for c in retrieve.chunks %}</c>,
/// <c>| join: ", "</c>) and objects. The text is NOT HTML-encoded (templates build prompts, not web pages), and a template cannot run
/// code or read files: Liquid has no code execution, includes resolve against an empty file provider, and loops are step-limited.
/// Unknown variables render as empty text at run time; validation reports them beforehand (<see cref="TemplateReferenceFinder"/>).
/// Thread-safe; parsed templates are cached.
/// </summary>
public static partial class TemplateRenderer
{
    /// <summary>Upper bound on cached parsed templates; the cache is emptied when it fills (templates come from a handful of workflows).</summary>
    private const int MaxCachedTemplates = 2048;

    internal static readonly FluidParser Parser = new();

    private static readonly TemplateOptions Options = CreateOptions();
    private static readonly ConcurrentDictionary<string, ParsedTemplate> Cache = new(StringComparer.Ordinal);

    /// <summary>Renders <paramref name="template"/> with the outputs of the nodes that ran so far.</summary>
    /// <exception cref="TemplateSyntaxException">The template is not valid Liquid (message in plain language).</exception>
    public static string Render(string? template, NodeContext context) => Render(template, context.Run.Outputs);

    /// <summary>Renders <paramref name="template"/> with node outputs by node id.</summary>
    /// <exception cref="TemplateSyntaxException">The template is not valid Liquid (message in plain language).</exception>
    public static string Render(string? template, IReadOnlyDictionary<string, NodeOutputs> outputs)
    {
        if (string.IsNullOrEmpty(template))
        {
            return "";
        }
        var parsed = GetParsed(template);
        if (parsed.Roots.Length == 0 && parsed.IsPlainText)
        {
            return template;
        }
        if (parsed.SimpleReference is { } simple)
        {
            // The template is just "{{ node.output }}" (the default of most settings): read the output directly instead of
            // converting the node's outputs to Liquid values and rendering. Same result: a missing node or output is empty
            // text; anything but a string goes through Fluid for its formatting.
            if (!outputs.TryGetValue(simple.Root, out var referenced))
            {
                return "";
            }
            if (referenced.TryGetString(simple.Member, out var text))
            {
                return text;
            }
            if (!referenced.TryGet(simple.Member, out _))
            {
                return "";
            }
        }
        var context = new TemplateContext(Options, StringComparer.Ordinal);
        foreach (var root in parsed.Roots)
        {
            if (outputs.TryGetValue(root, out var nodeOutputs))
            {
                context.SetValue(root, ToFluidValue(nodeOutputs.Value));
            }
        }
        try
        {
            return parsed.Template.Render(context, NullEncoder.Default);
        }
        catch (InvalidOperationException ex)
        {
            // Fluid reports exceeded step/recursion limits this way (e.g. a huge loop).
            throw new TemplateSyntaxException($"The template could not be rendered: {ex.Message}", ex);
        }
    }

    /// <summary>Checks a template's syntax. Returns null when it parses, else a plain-language description of the problem.</summary>
    public static string? GetSyntaxError(string? template)
    {
        if (string.IsNullOrEmpty(template))
        {
            return null;
        }
        try
        {
            GetParsed(template);
            return null;
        }
        catch (TemplateSyntaxException ex)
        {
            return ex.Message;
        }
    }

    internal static ParsedTemplate GetParsed(string template)
    {
        if (Cache.TryGetValue(template, out var cached))
        {
            return cached;
        }
        if (!Parser.TryParse(template, out var parsed, out var error))
        {
            throw new TemplateSyntaxException(Describe(error));
        }
        var references = TemplateReferenceFinder.Collect(parsed);
        var result = new ParsedTemplate(
            parsed,
            [.. references.Select(r => r.Root).Distinct(StringComparer.Ordinal)],
            references,
            IsPlainText: !template.Contains("{{", StringComparison.Ordinal) && !template.Contains("{%", StringComparison.Ordinal))
        {
            SimpleReference = SimpleReferencePattern().Match(template) is { Success: true } m ? (m.Groups[1].Value, m.Groups[2].Value) : null,
        };
        if (Cache.Count >= MaxCachedTemplates)
        {
            Cache.Clear();
        }
        Cache.TryAdd(template, result);
        return result;
    }

    private static string Describe(string? error)
    {
        // Fluid appends "Source:" and the template; keep the first line, which says what and where.
        var text = (error ?? "").Split('\n', 2)[0].Trim();
        return string.IsNullOrEmpty(text) ? "The template has a syntax error." : $"The template has a syntax error: {text}.";
    }

    private static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions
        {
            CultureInfo = CultureInfo.InvariantCulture,
            FileProvider = new NullFileProvider(),
            // A prompt template needs far fewer steps; the limit stops runaway loops such as {% for i in (1..100000000) %}.
            MaxSteps = 100_000,
            MaxRecursion = 20,
        };
        return options;
    }

    /// <summary>Converts node outputs (JSON) to Liquid values.</summary>
    internal static FluidValue ToFluidValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new DictionaryValue(new FluidValueDictionaryFluidIndexable(
            element.EnumerateObject().ToDictionary(p => p.Name, p => ToFluidValue(p.Value), StringComparer.Ordinal))),
        JsonValueKind.Array => new ArrayValue([.. element.EnumerateArray().Select(ToFluidValue)]),
        JsonValueKind.String => StringValue.Create(element.GetString() ?? ""),
        JsonValueKind.Number => element.TryGetDecimal(out var d) ? NumberValue.Create(d) : StringValue.Create(element.GetRawText()),
        JsonValueKind.True => BooleanValue.True,
        JsonValueKind.False => BooleanValue.False,
        _ => NilValue.Instance,
    };

    internal sealed record ParsedTemplate(IFluidTemplate Template, string[] Roots, IReadOnlyList<TemplateReferenceFinder.RawReference> References, bool IsPlainText)
    {
        /// <summary>Set when the whole template is one plain output reference such as <c>{{ clean.text }}</c> (no filters).</summary>
        public (string Root, string Member)? SimpleReference { get; init; }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}\z")]
    private static partial System.Text.RegularExpressions.Regex SimpleReferencePattern();
}

/// <summary>A template that is not valid Liquid; the message is meant for the person who wrote it.</summary>
public sealed class TemplateSyntaxException : Exception
{
    public TemplateSyntaxException(string message) : base(message)
    {
    }

    public TemplateSyntaxException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
