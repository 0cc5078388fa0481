namespace WorkflowEngine.Llm;

/// <summary>
/// The provider one model call goes to: an OpenAI-compatible base URL, API key and model, or the offline responder
/// (<see cref="IsOffline"/>, when no base URL is set anywhere). <see cref="ToString"/> never includes the API key.
/// </summary>
public sealed record LlmEndpoint(string? BaseUrl, string? ApiKey, string? Model)
{
    /// <summary>The offline responder (no model configured).</summary>
    public static LlmEndpoint Offline { get; } = new(null, null, null);

    public bool IsOffline => string.IsNullOrWhiteSpace(BaseUrl);

    /// <summary>The provider without its key, for cache identities, traces and messages: "offline" or "http://host:port/v1 · model".</summary>
    public string Description => IsOffline ? "offline" : $"{DescribeUrl(BaseUrl!)} · {Model}";

    /// <summary>
    /// The provider for a node: its own settings where given, the configured default otherwise.
    /// A node that sets its own base URL sends only its own API key, so the default key never goes to another host.
    /// </summary>
    public static LlmEndpoint Resolve(LlmOptions defaults, string? baseUrl, string? apiKey, string? model)
    {
        var nodeHasUrl = !string.IsNullOrWhiteSpace(baseUrl);
        var url = nodeHasUrl ? baseUrl!.Trim() : defaults.BaseUrl?.Trim();
        if (string.IsNullOrWhiteSpace(url))
        {
            return Offline;
        }
        var key = !string.IsNullOrWhiteSpace(apiKey) ? apiKey.Trim() : nodeHasUrl ? null : defaults.ApiKey?.Trim();
        var name = !string.IsNullOrWhiteSpace(model) ? model.Trim() : defaults.Model?.Trim();
        return new LlmEndpoint(url, string.IsNullOrEmpty(key) ? null : key, string.IsNullOrEmpty(name) ? null : name);
    }

    public static bool IsValidBaseUrl(string url) =>
        Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>True when both are absolute URLs with the same scheme, host and port (the path may differ): a key stored for one
    /// may be sent to the other. An unreadable URL is never the same origin.</summary>
    public static bool IsSameOrigin(string? a, string? b) =>
        Uri.TryCreate(a?.Trim(), UriKind.Absolute, out var x) && Uri.TryCreate(b?.Trim(), UriKind.Absolute, out var y)
        && string.Equals(x.Scheme, y.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(x.IdnHost, y.IdnHost, StringComparison.OrdinalIgnoreCase)
        && x.Port == y.Port;

    // A gate describes the model its steps would ask on every run (part of its cache scope): parsing the same few URLs again
    // each time showed in profiles (bench/ApiLoad). Bounded: a studio has a handful of providers.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> DescribedUrls = new(StringComparer.Ordinal);

    /// <summary>A URL for messages: user name and password (if someone put them there) removed.</summary>
    public static string DescribeUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (DescribedUrls.TryGetValue(url, out var described))
        {
            return described;
        }
        described = Describe(url);
        if (DescribedUrls.Count < 256)
        {
            DescribedUrls[url] = described;
        }
        return described;
    }

    private static string Describe(string url)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            return url.Length > 80 ? url[..80] + "…" : url;
        }
        return string.IsNullOrEmpty(uri.UserInfo) ? uri.ToString().TrimEnd('/') : new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString().TrimEnd('/');
    }

    /// <summary>Removes the API key from a text (error bodies sometimes echo it).</summary>
    public string Redact(string text) =>
        string.IsNullOrEmpty(ApiKey) || ApiKey.Length < 4 ? text : text.Replace(ApiKey, "***", StringComparison.Ordinal);

    public override string ToString() => Description;
}
