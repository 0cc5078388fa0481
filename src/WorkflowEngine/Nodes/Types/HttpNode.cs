using System.Text.Json.Serialization;
using WorkflowEngine.Http;
using WorkflowEngine.Nodes.Templates;

namespace WorkflowEngine.Nodes.Types;

/// <summary>
/// Calls an HTTP endpoint: the URL, header values and body are templates filled from earlier steps. Outputs the status, the body
/// and a <c>value</c> picked from a JSON body by <see cref="Config.JsonPath"/>. Outbound rules are those of model providers: the
/// scheme and host are written out in the settings (placeholders only after them), only an administrator sets them in the studio,
/// the host must be allowed (<see cref="HttpRequestStepOptions.AllowedHosts"/>), redirects are not followed, and a failure says the
/// same thing whether the address refused, timed out or answered an error (<see cref="HttpRequestSender"/>).
/// </summary>
[NodeType("http",
    DisplayName = "HTTP request",
    Category = "Tools",
    Description = "Calls a web address (an API) and passes on its status, its body and a value picked from its JSON, e.g. an order's status.",
    Icon = "Http",
    CacheKind = "http",
    DefaultTtlSeconds = 300,
    Outputs = ["status", "body", "value"],
    Color = "#0891b2", // cyan
    PaletteOrder = 10)]
public sealed class HttpNode(HttpRequestSender sender) : Node<HttpNode.Config, HttpNode.Input>
{
    public static IReadOnlyList<string> Methods { get; } = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    /// <summary>Headers the step may not set: they would change where the request goes (Host) or how the connection carries it.</summary>
    public static IReadOnlyList<string> ReservedHeaders { get; } =
        ["Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer", "Expect", "Proxy-Authorization", "Proxy-Connection"];

    /// <summary>The http node's settings.</summary>
    public sealed record Config : INodeSummary, IOutboundAddresses
    {
        /// <summary>GET, POST, PUT, PATCH or DELETE.</summary>
        public string Method { get; init; } = "GET";

        /// <summary>The address (a template): scheme and host written out, placeholders only in the path or query.</summary>
        public string Url { get; init; } = "";

        /// <summary>Request headers; their values are templates.</summary>
        public IReadOnlyList<Header> Headers { get; init; } = [];

        /// <summary>The request body (a template), sent for every method but GET when not empty.</summary>
        public string Body { get; init; } = "";

        /// <summary>Where the <c>value</c> output is in a JSON body, e.g. <c>$.data.items[0].name</c>; empty: the whole body.</summary>
        public string JsonPath { get; init; } = "";

        /// <summary>How long one attempt may take, 1 to 60 seconds (all attempts together stop after 60 s).</summary>
        public int TimeoutSeconds { get; init; } = 10;

        /// <summary>How often a transient failure is tried again, 0 to 3 (see <see cref="HttpRequestSender.IsIdempotent"/>).</summary>
        public int Retries { get; init; }

        /// <summary>False: a status outside 2xx fails the step. True: the step passes any status on, so later steps can tell
        /// e.g. "order not found" (404) apart.</summary>
        public bool ContinueOnErrorStatus { get; init; }

        public string Summarize(NodeSummaryContext context) =>
            NodeSummaryContext.Shorten(string.IsNullOrWhiteSpace(Url) ? "No address yet" : $"{NormalizedMethod(Method)} {Url.Trim()}");

        /// <summary>The method with the URL: an editor may not turn an administrator's GET into a DELETE on the same address.</summary>
        [JsonIgnore]
        public IEnumerable<string> OutboundAddresses => string.IsNullOrWhiteSpace(Url) ? [] : [$"{NormalizedMethod(Method)} {Url.Trim()}"];
    }

    /// <summary>A request header: a name and a value template.</summary>
    public sealed record Header
    {
        public string Name { get; init; } = "";

        public string Value { get; init; } = "";
    }

    /// <summary>The rendered request: what the answer depends on besides the settings (the cache hashes it).</summary>
    public sealed record Input(string Method, string Url, IReadOnlyList<Header> Headers, string? Body);

    protected override Input ResolveInput(NodeContext context, Config config)
    {
        var method = NormalizedMethod(config.Method);
        var url = TemplateRenderer.Render(config.Url, context).Trim();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !IsWebScheme(uri) || LiteralOrigin(config.Url) is not { } origin
            || Uri.Compare(uri, origin, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw new InvalidOperationException(uri is not null && IsWebScheme(uri)
                ? $"The address {HttpRequestSender.Describe(uri)} is not on the host written in the step's settings."
                : "The step's URL did not make an http or https address.");
        }
        // Here, before the cache is asked, so that a host taken off the list is not answered from the cache either.
        if (sender.CheckAllowed(uri) is { } refused)
        {
            throw new InvalidOperationException(refused);
        }
        var headers = (config.Headers ?? [])
            .Where(h => !string.IsNullOrWhiteSpace(h.Name) && !IsReserved(h.Name))
            // A line break in a value would end the header: values filled from a question must stay one line.
            .Select(h => new Header { Name = h.Name.Trim(), Value = TemplateRenderer.Render(h.Value, context).ReplaceLineEndings(" ") })
            .ToList();
        var body = method == "GET" || string.IsNullOrEmpty(config.Body) ? null : TemplateRenderer.Render(config.Body, context);
        return new Input(method, uri.AbsoluteUri, headers, body);
    }

    protected override async ValueTask<NodeResult> ExecuteAsync(NodeContext context, Config config, Input input, CancellationToken cancellationToken)
    {
        var answer = await sender.SendAsync(input, config, cancellationToken).ConfigureAwait(false);
        var value = string.IsNullOrWhiteSpace(config.JsonPath) ? answer.Body : JsonPathValue.Extract(answer.Body, config.JsonPath);
        var details = new Dictionary<string, string>
        {
            ["request"] = $"{input.Method} {HttpRequestSender.Describe(new Uri(input.Url))}",
            ["status"] = answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new NodeResult(NodeOutputs.From(new { status = answer.Status, body = answer.Body, value }))
        {
            Details = details,
            // An error status passed on is remembered only briefly when the step caches (the engine's "not found" time).
            IsNotFound = answer.Status is < 200 or > 299,
        };
    }

    protected override IEnumerable<string> Validate(Config config)
    {
        if (!Methods.Contains(NormalizedMethod(config.Method), StringComparer.Ordinal))
        {
            yield return $"The method '{config.Method}' is not one of {string.Join(", ", Methods)}.";
        }
        if (string.IsNullOrWhiteSpace(config.Url))
        {
            yield return "The URL is empty: give the address to call, e.g. https://api.example.com/orders/{{ start.query | url_encode }}.";
        }
        else if (LiteralOrigin(config.Url) is null)
        {
            yield return "The URL must start with http:// or https:// and a host written out, without a user name or password (e.g. https://api.example.com/...); placeholders may follow in the path or query only.";
        }
        foreach (var (field, template) in Templates(config))
        {
            if (TemplateRenderer.GetSyntaxError(template) is { } error)
            {
                yield return $"{field}: {error}";
            }
        }
        foreach (var header in config.Headers ?? [])
        {
            var name = header.Name?.Trim() ?? "";
            if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c)))
            {
                yield return $"The header name '{header.Name}' is not valid: use letters, digits and dashes, e.g. Accept or X-Api-Key.";
            }
            else if (IsReserved(name))
            {
                yield return $"The header {name} cannot be set: the HTTP client sets it from the URL and the body.";
            }
        }
        if (!string.IsNullOrWhiteSpace(config.JsonPath) && !JsonPathValue.IsValid(config.JsonPath))
        {
            yield return "The JSON path is not valid: use members and indexes such as $.data.items[0].name or $['full name'].";
        }
        if (config.TimeoutSeconds is < 1 or > HttpRequestSender.MaxTimeoutSeconds)
        {
            yield return $"The timeout must be between 1 and {HttpRequestSender.MaxTimeoutSeconds} seconds.";
        }
        if (config.Retries is < 0 or > HttpRequestSender.MaxRetries)
        {
            yield return $"Retries must be between 0 and {HttpRequestSender.MaxRetries}.";
        }
    }

    protected override IEnumerable<VariableReference> References(Config config) =>
        Templates(config).SelectMany(t => TemplateReferenceFinder.Find(t.Template, t.Field));

    private static IEnumerable<(string Field, string Template)> Templates(Config config) =>
        [("url", config.Url), ("body", config.Body), .. (config.Headers ?? []).Select(h => ($"header {h.Name}", h.Value))];

    private static string NormalizedMethod(string? method) => (method ?? "").Trim().ToUpperInvariant() is { Length: > 0 } m ? m : "GET";

    private static bool IsReserved(string header) => ReservedHeaders.Contains(header.Trim(), StringComparer.OrdinalIgnoreCase);

    private static bool IsWebScheme(Uri uri) => uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps;

    /// <summary>The scheme, host and port written out at the start of a URL template (placeholders may only follow them); null when
    /// the template does not start with an http or https address, or names a user.</summary>
    private static Uri? LiteralOrigin(string urlTemplate)
    {
        var text = urlTemplate.Trim();
        var placeholder = text.IndexOf('{', StringComparison.Ordinal);
        var origin = text;
        if (placeholder >= 0)
        {
            var prefix = text[..placeholder];
            var scheme = prefix.IndexOf("://", StringComparison.Ordinal);
            var end = scheme < 0 ? -1 : prefix.IndexOfAny(['/', '?', '#'], scheme + 3);
            if (end < 0)
            {
                return null;
            }
            origin = prefix[..end];
        }
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && IsWebScheme(uri) && uri.Host.Length > 0 && uri.UserInfo.Length == 0
            ? uri
            : null;
    }
}
