using System.Collections.Frozen;

namespace WorkflowStudio.Components.Inspector;

/// <summary>The settings form for each node type; a type without one gets the JSON editor.</summary>
public static class SettingsEditors
{
    // Read-only lookup table shared by every circuit: frozen so no user state can ever land in it.
    private static readonly FrozenDictionary<string, Type> Editors = new Dictionary<string, Type>
    {
        ["start"] = typeof(StartSettings),
        ["clean"] = typeof(CleanSettings),
        ["retrieve"] = typeof(RetrieveSettings),
        ["template"] = typeof(TemplateSettings),
        ["llm"] = typeof(LlmSettings),
        ["cache"] = typeof(CacheGateSettings),
        ["answer"] = typeof(AnswerSettings),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static Type For(string nodeType) => Editors.GetValueOrDefault(nodeType, typeof(GenericSettings));
}
