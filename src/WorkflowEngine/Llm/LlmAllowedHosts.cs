using System.Globalization;

namespace WorkflowEngine.Llm;

/// <summary>
/// <see cref="LlmOptions.AllowedHosts"/>: where model and embedding calls may go. A pattern is a host (<c>api.openai.com</c>,
/// <c>10.0.0.5</c>, <c>[::1]</c>), optionally with a port (<c>localhost:11434</c>), or a wildcard for the subdomains of a domain
/// (<c>*.example.com</c>, optionally with a port). Hosts compare without case; a pattern without a port allows any port.
/// </summary>
public static class LlmAllowedHosts
{
    /// <summary>True when <paramref name="patterns"/> is empty (no list configured) or one of them matches the URL's host and port.</summary>
    public static bool Allows(IReadOnlyCollection<string>? patterns, string baseUrl) =>
        patterns is not { Count: > 0 }
        || Uri.TryCreate(baseUrl.Trim(), UriKind.Absolute, out var uri) && patterns.Any(p => Matches(p, uri));

    public static bool IsValidPattern(string? pattern) => Parse(pattern) is not null;

    private static bool Matches(string pattern, Uri uri)
    {
        if (Parse(pattern) is not var (host, port, wildcard))
        {
            return false;
        }
        if (port is { } p && p != uri.Port)
        {
            return false;
        }
        var actual = uri.IdnHost.Trim('[', ']');
        return wildcard
            ? actual.EndsWith("." + host, StringComparison.OrdinalIgnoreCase)
            : string.Equals(actual, host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The pattern's host (without brackets or "*."), its port if given, and whether it is a wildcard; null when malformed.</summary>
    private static (string Host, int? Port, bool Wildcard)? Parse(string? pattern)
    {
        var text = pattern?.Trim() ?? "";
        var wildcard = text.StartsWith("*.", StringComparison.Ordinal);
        if (wildcard)
        {
            text = text[2..];
        }
        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || wildcard)
            {
                return null;
            }
            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':'))
                {
                    return null;
                }
                portText = rest[1..];
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            host = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? null : text[(colon + 1)..];
        }
        int? port = null;
        if (portText is not null)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            {
                return null;
            }
            port = number;
        }
        var kind = Uri.CheckHostName(host);
        if (host.Length == 0 || kind == UriHostNameType.Unknown || wildcard && kind != UriHostNameType.Dns)
        {
            return null;
        }
        return (host, port, wildcard);
    }
}
