namespace WorkflowStudio.Components.Inspector;

/// <summary>The settings form for each node type; a type without one gets the JSON editor.</summary>
public static class SettingsEditors
{
    private static readonly Dictionary<string, Type> Editors = new(StringComparer.Ordinal)
    {
        ["start"] = typeof(StartSettings),
        ["clean"] = typeof(CleanSettings),
        ["retrieve"] = typeof(RetrieveSettings),
        ["template"] = typeof(TemplateSettings),
        ["llm"] = typeof(LlmSettings),
        ["cache"] = typeof(CacheGateSettings),
        ["answer"] = typeof(AnswerSettings),
    };

    public static Type For(string nodeType) => Editors.GetValueOrDefault(nodeType, typeof(GenericSettings));
}
