using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using WorkflowEngine.Nodes.Types;

namespace WorkflowStudio.Components.Inspector;

/// <summary>The condition step's form: a list of conditions (value, operator, value to compare with) and the all/any switch.
/// The operators, their labels and what they need come from <see cref="ConditionNode.Operators"/>.</summary>
public partial class ConditionSettings
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private bool IsAny => string.Equals(Settings.GetString("join"), ConditionNode.JoinAny, StringComparison.OrdinalIgnoreCase);

    /// <summary>The conditions as the engine reads them (the same record and defaults).</summary>
    private IReadOnlyList<ConditionNode.Condition> Conditions
    {
        get
        {
            if (!Settings.ToElement().TryGetProperty("conditions", out var conditions) || conditions.ValueKind != JsonValueKind.Array)
            {
                return [];
            }
            try
            {
                return new ConditionNode.Config { Conditions = conditions.Deserialize<List<ConditionNode.Condition>>(Web)! }.Conditions;
            }
            catch (JsonException)
            {
                return []; // hand-written settings of the wrong shape: the validator names them; the form starts afresh
            }
        }
    }

    /// <summary>What the closed operator select shows: the operator's label, or an unknown name as written (the validator names it).</summary>
    private static string OperatorLabel(string? name) => ConditionNode.Find(name)?.Label ?? name ?? "";

    private static string ValueHelp(ConditionNode.Operator? op) => op switch
    {
        { IsPattern: true } => string.Create(CultureInfo.InvariantCulture,
            $"A regular expression, e.g. ^order #\\d+ . A check that takes longer than {ConditionNode.MatchTimeout.TotalMilliseconds:0} ms counts as not matching."),
        { IsNumeric: true } => "A number such as 12 or 3.5 (a point for decimals), or a variable. A value that is not a number makes the condition false.",
        _ => "Text to compare with; may use variables such as {{ clean.text }}.",
    };

    private Task SetJoin(bool any) => Set("join", any ? ConditionNode.JoinAny : ConditionNode.JoinAll);

    private Task Update(int index, Func<ConditionNode.Condition, ConditionNode.Condition> change)
    {
        var conditions = Conditions.ToList();
        conditions[index] = change(conditions[index]);
        return SetConditions(conditions);
    }

    private Task Remove(int index)
    {
        var conditions = Conditions.ToList();
        conditions.RemoveAt(index);
        return SetConditions(conditions);
    }

    /// <summary>A new row checks the nearest earlier step's first value, the one most often tested.</summary>
    private Task Add() => SetConditions([.. Conditions, new ConditionNode.Condition { Left = Variables.FirstOrDefault()?.Expression ?? "" }]);

    private Task SetConditions(IReadOnlyList<ConditionNode.Condition> conditions)
    {
        var settings = (JsonObject)JsonNode.Parse(Settings.ToElement().GetRawText())!;
        settings["conditions"] = JsonSerializer.SerializeToNode(conditions, Web);
        return OnChange.InvokeAsync(JsonSerializer.SerializeToElement(settings, Web));
    }
}
