using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace WorkflowTesting;

/// <summary>Checks real HTTP answers against an OpenAPI 3.1 document: the path and method are documented, the status is one
/// the operation declares, the content type is one it declares for that status, and a JSON body is valid against the declared
/// schema (OpenAPI 3.1 schemas are JSON Schema 2020-12; component references are resolved as <c>$defs</c>).</summary>
public sealed class OpenApiContract
{
    private readonly JsonObject _document;
    private readonly List<(Regex Pattern, int Literals, string Template)> _paths = [];
    private readonly Dictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);
    private readonly string _definitions;

    private OpenApiContract(JsonObject document)
    {
        _document = document;
        foreach (var (template, _) in document["paths"]!.AsObject())
        {
            var segments = template.Trim('/').Split('/');
            var pattern = "^/" + string.Join('/', segments.Select(s => s.StartsWith('{') ? "[^/]+" : Regex.Escape(s))) + "/?$";
            _paths.Add((new Regex(pattern, RegexOptions.CultureInvariant), segments.Count(s => !s.StartsWith('{')), template));
        }
        var components = document["components"]?["schemas"]?.ToJsonString() ?? "{}";
        _definitions = RewriteReferences(components);
    }

    public static OpenApiContract Parse(string json) => new(JsonNode.Parse(json)!.AsObject());

    /// <summary>What is wrong with one answer; empty when it keeps to the document.</summary>
    public IReadOnlyList<string> Check(string method, string path, int status, string? contentType, string? body)
    {
        var where = $"{method} {path} → {status}";
        var template = _paths.Where(p => p.Pattern.IsMatch(path)).OrderByDescending(p => p.Literals).Select(p => p.Template).FirstOrDefault();
        if (template is null)
        {
            // Not found is the right answer for a path the API does not have; the document does not describe itself.
            return status == 404 || path == "/openapi/v1.json" ? [] : [$"{where}: the path is not in the document"];
        }
        if (_document["paths"]![template]![method.ToLowerInvariant()] is not JsonObject operation)
        {
            return [$"{where}: {method} is not documented for {template}"];
        }
        var responses = operation["responses"]?.AsObject();
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var response = responses?[code] ?? responses?[code[0] + "XX"] ?? responses?["default"];
        if (response is null)
        {
            return [$"{where}: status {status} is not documented for {method} {template} (documented: {string.Join(", ", responses?.Select(r => r.Key) ?? [])})"];
        }
        var content = response["content"]?.AsObject();
        if (content is null || content.Count == 0)
        {
            return string.IsNullOrEmpty(body) ? [] : [$"{where}: the document declares no body, the answer has {body.Length} characters"];
        }
        var mediaType = contentType?.Split(';')[0].Trim();
        var declared = content.FirstOrDefault(c => string.Equals(c.Key, mediaType, StringComparison.OrdinalIgnoreCase));
        if (declared.Value is null)
        {
            return [$"{where}: content type '{mediaType}' is not declared (declared: {string.Join(", ", content.Select(c => c.Key))})"];
        }
        if (mediaType is null || !mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase) || declared.Value["schema"] is not JsonObject schema)
        {
            return [];
        }
        return Validate(where, $"{template}|{method}|{code}|{declared.Key}", schema, body);
    }

    /// <summary>Checks one JSON value against a component schema, e.g. a <c>token</c> event's data against <c>TokenEvent</c>.</summary>
    public IReadOnlyList<string> CheckComponent(string componentName, string json) =>
        Validate(componentName, "component|" + componentName, new JsonObject { ["$ref"] = "#/components/schemas/" + componentName }, json);

    private IReadOnlyList<string> Validate(string where, string cacheKey, JsonObject schema, string? body)
    {
        JsonElement value;
        try
        {
            value = JsonDocument.Parse(string.IsNullOrEmpty(body) ? "null" : body).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return [$"{where}: the body is not JSON ({ex.Message})"];
        }
        JsonSchema compiled;
        lock (_schemas)
        {
            if (!_schemas.TryGetValue(cacheKey, out compiled!))
            {
                var text = $"{{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$defs\":{_definitions},\"allOf\":[{RewriteReferences(schema.ToJsonString())}]}}";
                _schemas[cacheKey] = compiled = JsonSchema.FromText(text);
            }
        }
        var result = compiled.Evaluate(value, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }
        var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).Distinct().Take(5);
        return [$"{where}: the body does not match the schema: {string.Join("; ", errors)} — body: {Shorten(body)}"];
    }

    private static string RewriteReferences(string json) => json.Replace("\"#/components/schemas/", "\"#/$defs/", StringComparison.Ordinal);

    private static string Shorten(string? text) => text is null ? "(none)" : text.Length <= 300 ? text : text[..300] + "…";
}

/// <summary>An <see cref="HttpClient"/> handler that checks every answer against the document and fails the request with the
/// violations, so every API test is also a contract test. Streams (<c>text/event-stream</c>) are checked for status and
/// content type only, so a test can still read them as they arrive.</summary>
public sealed class OpenApiContractHandler(OpenApiContract contract) : DelegatingHandler(new HttpClientHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var contentType = response.Content.Headers.ContentType?.MediaType;
        string? body = null;
        if (contentType is not "text/event-stream")
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        var violations = contract.Check(request.Method.Method, request.RequestUri!.AbsolutePath, (int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body);
        if (violations.Count > 0)
        {
            throw new OpenApiContractException(string.Join(Environment.NewLine, violations));
        }
        return response;
    }
}

public sealed class OpenApiContractException(string message) : Exception("The answer breaks the OpenAPI document: " + message);
