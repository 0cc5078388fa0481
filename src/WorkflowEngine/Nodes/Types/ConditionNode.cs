using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Nodes.Types;

/// <summary>
/// If/else on the values of earlier steps: checks each condition (a value, an operator, a value to compare with) and continues
/// on <c>true</c> when all of them hold (or any, with <see cref="Config.Join"/> <c>any</c>), else on <c>false</c>. The steps
/// behind the other port are skipped. Number comparisons read invariant-culture numbers; a value that is not a number makes
/// its condition false. Patterns are .NET regular expressions with a <see cref="MatchTimeout"/>, so a pattern that backtracks
/// badly cannot hold up the run: a timed-out match counts as false. The trace's details say why a condition did not hold.
/// </summary>
[NodeType("condition",
    DisplayName = "Condition",
    Category = "Logic",
    Description = "Checks values of earlier steps (is, contains, is empty, number compare, pattern) and continues on 'true' or 'false'.",
    Icon = "CallSplit",
    CacheKind = "condition",
    DefaultTtlSeconds = 600,
    OutputPorts = [TruePort, FalsePort],
    Outputs = ["result", "matched"],
    Color = "#db2777", // pink
    PaletteOrder = 10)]
public sealed partial class ConditionNode : Node<ConditionNode.Config, ConditionNode.Input>
{
    public const string TruePort = "true";
    public const string FalsePort = "false";

    /// <summary><see cref="Config.Join"/>: every condition must hold.</summary>
    public const string JoinAll = "all";
    /// <summary><see cref="Config.Join"/>: one condition holding is enough.</summary>
    public const string JoinAny = "any";

    /// <summary>How long one pattern match may take before it counts as no match.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The operators, in the order the settings form offers them, with their plain-language labels.</summary>
    public static IReadOnlyList<Operator> Operators { get; } =
    [
        new("equals", "is", "is equal to"),
        new("notEquals", "is not", "is not equal to"),
        new("contains", "contains", "contains"),
        new("notContains", "does not contain", "does not contain"),
        new("startsWith", "starts with", "starts with"),
        new("endsWith", "ends with", "ends with"),
        new("isEmpty", "is empty", "is empty", NeedsValue: false),
        new("isNotEmpty", "is not empty", "is not empty", NeedsValue: false),
        new("greaterThan", ">", "is greater than (number)", IsNumeric: true),
        new("lessThan", "<", "is less than (number)", IsNumeric: true),
        new("greaterOrEqual", "≥", "is at least (number)", IsNumeric: true),
        new("lessOrEqual", "≤", "is at most (number)", IsNumeric: true),
        new("matches", "matches", "matches the pattern (regular expression)", IsPattern: true),
    ];

    /// <summary>A comparison a condition can make. <paramref name="Short"/> is used in the card's summary, <paramref name="Label"/>
    /// in the settings form; <paramref name="NeedsValue"/> is false when the right-hand value is not used; <paramref name="IsNumeric"/>
    /// compares numbers, <paramref name="IsPattern"/> reads the value as a regular expression.</summary>
    public sealed record Operator(string Name, string Short, string Label, bool NeedsValue = true, bool IsNumeric = false, bool IsPattern = false);

    // Settings written as null (by hand or an API client) read as their defaults, so validation and runs never meet a null.
    public sealed record Condition
    {
        /// <summary>The value to check (a template), e.g. <c>{{ start.query }}</c>.</summary>
        public string Left { get; init => field = value ?? ""; } = "";
        /// <summary>One of <see cref="Operators"/>' names.</summary>
        public string Operator { get; init => field = value ?? ""; } = "contains";
        /// <summary>What to compare with (a template); a regular expression for <c>matches</c>; unused by isEmpty/isNotEmpty.</summary>
        public string Right { get; init => field = value ?? ""; } = "";
        /// <summary>Text comparisons and patterns ignore upper/lower case.</summary>
        public bool IgnoreCase { get; init; } = true;
    }

    public sealed record Config : INodeSummary
    {
        public IReadOnlyList<Condition> Conditions { get; init => field = value is null ? [] : [.. value.Select(c => c ?? new Condition())]; } = [];
        /// <summary><c>all</c>: every condition must hold; <c>any</c>: one is enough.</summary>
        public string Join { get; init => field = value ?? JoinAll; } = JoinAll;

        public string Summarize(NodeSummaryContext context) => Conditions.Count switch
        {
            0 => "No conditions",
            1 => NodeSummaryContext.Shorten(Describe(Conditions[0])),
            var n => string.Create(CultureInfo.InvariantCulture, $"{n} conditions ({(IsAny(Join) ? JoinAny : JoinAll)})"),
        };

        private static string Describe(Condition condition)
        {
            var op = Find(condition.Operator);
            var left = Plain(condition.Left);
            return op is null ? $"{left} {condition.Operator} {Plain(condition.Right)}"
                : op.NeedsValue ? $"{left} {op.Short} {Plain(condition.Right)}"
                : $"{left} {op.Short}";
        }

        /// <summary>A template as a card shows it: <c>{{ start.query }}</c> becomes <c>start.query</c>.</summary>
        private static string Plain(string template) => PlaceholderPattern().Replace(template, "$1").Trim();
    }

    /// <summary>The values each condition compares, rendered for this run (the cache identity).</summary>
    public sealed record Input(IReadOnlyList<Operands> Values);

    public sealed record Operands(string Left, string Right);

    protected override Input ResolveInput(NodeContext context, Config config) =>
        new([.. config.Conditions.Select(c => new Operands(
            TemplateRenderer.Render(c.Left, context),
            Find(c.Operator) is { NeedsValue: false } ? "" : TemplateRenderer.Render(c.Right, context)))]);

    protected override ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, Input input, CancellationToken cancellationToken)
    {
        var matched = 0;
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < config.Conditions.Count; i++)
        {
            var (held, why) = Evaluate(config.Conditions[i], input.Values[i]);
            if (held)
            {
                matched++;
            }
            details[string.Create(CultureInfo.InvariantCulture, $"condition{i + 1}")] = why is null ? (held ? "true" : "false") : $"false ({why})";
        }
        var result = IsAny(config.Join) ? matched > 0 : matched == config.Conditions.Count && matched > 0;
        details["join"] = IsAny(config.Join) ? JoinAny : JoinAll;
        return ValueTask.FromResult(new NodeResult(NodeOutputs.From(new { result, matched }))
        {
            ActivePort = result ? TruePort : FalsePort,
            Details = details,
        });
    }

    /// <summary>Whether one condition holds, and when it is false for a reason other than the comparison (a value that is not
    /// a number, a pattern that took too long), that reason.</summary>
    private static (bool Held, string? Why) Evaluate(Condition condition, Operands values)
    {
        var op = Find(condition.Operator)
            ?? throw new InvalidOperationException($"Unknown operator '{condition.Operator}': use one of {OperatorNames}.");
        var comparison = condition.IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var (left, right) = (values.Left, values.Right);
        if (op.IsNumeric)
        {
            if (!TryParseNumber(left, out var a))
            {
                return (false, $"'{NodeSummaryContext.Shorten(left)}' is not a number");
            }
            if (!TryParseNumber(right, out var b))
            {
                return (false, $"'{NodeSummaryContext.Shorten(right)}' is not a number");
            }
            return (op.Name switch
            {
                "greaterThan" => a > b,
                "lessThan" => a < b,
                "greaterOrEqual" => a >= b,
                "lessOrEqual" => a <= b,
                _ => throw new UnreachableException($"Number operator '{op.Name}' has no comparison."),
            }, null);
        }
        switch (op.Name)
        {
            case "equals": return (string.Equals(left, right, comparison), null);
            case "notEquals": return (!string.Equals(left, right, comparison), null);
            case "contains": return (left.Contains(right, comparison), null);
            case "notContains": return (!left.Contains(right, comparison), null);
            case "startsWith": return (left.StartsWith(right, comparison), null);
            case "endsWith": return (left.EndsWith(right, comparison), null);
            case "isEmpty": return (string.IsNullOrWhiteSpace(left), null);
            case "isNotEmpty": return (!string.IsNullOrWhiteSpace(left), null);
            case "matches": return Matches(left, right, condition.IgnoreCase);
            default: throw new UnreachableException($"Operator '{op.Name}' has no comparison.");
        }
    }

    private static (bool, string?) Matches(string text, string pattern, bool ignoreCase)
    {
        try
        {
            // The static method keeps recently used patterns compiled (Regex.CacheSize), so a workflow's pattern is parsed once.
            return (Regex.IsMatch(text, pattern, PatternOptions(ignoreCase), MatchTimeout), null);
        }
        catch (RegexMatchTimeoutException)
        {
            return (false, string.Create(CultureInfo.InvariantCulture, $"the pattern took longer than {MatchTimeout.TotalMilliseconds:0} ms"));
        }
        catch (ArgumentException ex)
        {
            // Only a pattern built from variables gets here: a literal one is checked when the workflow is validated.
            return (false, "the pattern is not a valid regular expression: " + ex.Message);
        }
    }

    protected override IEnumerable<string> Validate(Config config)
    {
        if (config.Conditions.Count == 0)
        {
            yield return "Add at least one condition, e.g. {{ start.query }} contains \"refund\".";
        }
        if (!string.Equals(config.Join, JoinAll, StringComparison.OrdinalIgnoreCase) && !string.Equals(config.Join, JoinAny, StringComparison.OrdinalIgnoreCase))
        {
            yield return $"'{config.Join}' is not a way to join conditions: use \"all\" (every condition must hold) or \"any\" (one is enough).";
        }
        for (var i = 0; i < config.Conditions.Count; i++)
        {
            var condition = config.Conditions[i];
            var which = string.Create(CultureInfo.InvariantCulture, $"Condition {i + 1}");
            if (Find(condition.Operator) is not { } op)
            {
                yield return $"{which} uses the operator '{condition.Operator}', which does not exist; use one of {OperatorNames}.";
                continue;
            }
            if (string.IsNullOrWhiteSpace(condition.Left))
            {
                yield return $"{which} checks nothing: choose the value to check, e.g. {{{{ start.query }}}}.";
            }
            else if (TemplateRenderer.GetSyntaxError(condition.Left) is { } leftError)
            {
                yield return $"{which}: {leftError}";
            }
            if (!op.NeedsValue)
            {
                continue;
            }
            if (condition.Right.Length == 0)
            {
                yield return $"{which} ({op.Label}) has no value to compare with: fill it in, or use \"is empty\".";
                continue;
            }
            if (TemplateRenderer.GetSyntaxError(condition.Right) is { } rightError)
            {
                yield return $"{which}: {rightError}";
                continue;
            }
            if (IsTemplate(condition.Right))
            {
                continue; // known only when the workflow runs
            }
            if (op.IsNumeric && !TryParseNumber(condition.Right, out _))
            {
                yield return $"{which} compares numbers, but '{condition.Right}' is not a number (write it like 12 or 3.5).";
            }
            else if (op.IsPattern && PatternError(condition.Right, condition.IgnoreCase) is { } patternError)
            {
                yield return $"{which}: '{condition.Right}' is not a valid pattern (regular expression): {patternError}";
            }
        }
    }

    protected override IEnumerable<VariableReference> References(Config config)
    {
        for (var i = 0; i < config.Conditions.Count; i++)
        {
            var condition = config.Conditions[i];
            foreach (var reference in TemplateReferenceFinder.Find(condition.Left, string.Create(CultureInfo.InvariantCulture, $"conditions[{i}].left")))
            {
                yield return reference;
            }
            if (Find(condition.Operator) is { NeedsValue: false })
            {
                continue;
            }
            foreach (var reference in TemplateReferenceFinder.Find(condition.Right, string.Create(CultureInfo.InvariantCulture, $"conditions[{i}].right")))
            {
                yield return reference;
            }
        }
    }

    /// <summary>The operator called <paramref name="name"/> (any case), or null.</summary>
    public static Operator? Find(string? name) => Operators.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase));

    private static string OperatorNames => string.Join(", ", Operators.Select(o => o.Name));

    private static bool IsAny(string? join) => string.Equals(join, JoinAny, StringComparison.OrdinalIgnoreCase);

    private static bool IsTemplate(string text) => text.Contains("{{", StringComparison.Ordinal) || text.Contains("{%", StringComparison.Ordinal);

    private static RegexOptions PatternOptions(bool ignoreCase) =>
        RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);

    private static string? PatternError(string pattern, bool ignoreCase)
    {
        try
        {
            _ = new Regex(pattern, PatternOptions(ignoreCase), MatchTimeout);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Invariant-culture numbers (12, -3.5, 1e3); infinities and NaN are not numbers here.</summary>
    private static bool TryParseNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    [GeneratedRegex(@"\{\{-?\s*(.*?)\s*-?\}\}")]
    private static partial Regex PlaceholderPattern();
}
