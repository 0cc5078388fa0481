using System.Globalization;
using System.Text.Json;

namespace WorkflowEngine.Http;

/// <summary>
/// Picks one value out of a JSON document by a path such as <c>$.data.items[0].name</c> or <c>$['full name']</c>: members and
/// array indexes only, no wildcards, filters or recursive descent, so a path can never be slow or return several values.
/// Written here because no JSONPath library is available to the engine and this subset is all the HTTP request step needs.
/// </summary>
public static class JsonPathValue
{
    /// <summary>The value at <paramref name="path"/> in <paramref name="json"/> as text (strings as they are, other values as
    /// JSON); null when the text is not JSON, the path leads nowhere or the value is JSON null.</summary>
    public static string? Extract(string json, string path)
    {
        if (Parse(path) is not { } segments)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            var current = document.RootElement;
            foreach (var segment in segments)
            {
                if (segment is int index)
                {
                    if (current.ValueKind != JsonValueKind.Array || index >= current.GetArrayLength())
                    {
                        return null;
                    }
                    current = current[index];
                }
                else if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty((string)segment, out current))
                {
                    return null;
                }
            }
            return current.ValueKind switch
            {
                JsonValueKind.String => current.GetString(),
                JsonValueKind.Null => null,
                _ => current.GetRawText(),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="path"/> is a path this class reads.</summary>
    public static bool IsValid(string path) => Parse(path) is not null;

    /// <summary>The members (strings) and indexes (ints) of the path; null when it is not one. A leading <c>$</c> is optional
    /// (<c>data.items</c> reads as <c>$.data.items</c>).</summary>
    private static List<object>? Parse(string path)
    {
        var text = path.Trim();
        var i = text.StartsWith('$') ? 1 : 0;
        if (i == 0 && text.Length > 0 && text[0] is not ('.' or '['))
        {
            text = "." + text;
        }
        var segments = new List<object>();
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var start = ++i;
                while (i < text.Length && text[i] is not ('.' or '['))
                {
                    i++;
                }
                var name = text[start..i];
                if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || c is '*' or '?' or '@' or '(' or ')' or ']'))
                {
                    return null;
                }
                segments.Add(name);
                continue;
            }
            if (text[i] != '[')
            {
                return null;
            }
            var close = text.IndexOf(']', i);
            if (close < 0)
            {
                return null;
            }
            var inner = text[(i + 1)..close].Trim();
            i = close + 1;
            if (inner.Length >= 2 && inner[0] is '\'' or '"' && inner[^1] == inner[0])
            {
                var member = inner[1..^1];
                if (member.Contains(inner[0], StringComparison.Ordinal))
                {
                    return null;
                }
                segments.Add(member);
            }
            else if (int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                segments.Add(index);
            }
            else
            {
                return null;
            }
        }
        return segments;
    }
}
