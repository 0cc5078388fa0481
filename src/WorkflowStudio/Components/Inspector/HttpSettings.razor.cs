using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using WorkflowEngine.Http;
using WorkflowEngine.Nodes.Types;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Components.Inspector;

/// <summary>The HTTP request step's form: the method and URL are editable by administrators only (see <c>OutboundUrlGuard</c>).</summary>
public partial class HttpSettings
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private bool _canSetAddress;

    [Inject] private IServiceProvider Services { get; set; } = null!;

    private string Method => Settings.GetString("method", "GET").Trim().ToUpperInvariant() is { Length: > 0 } m ? m : "GET";

    private string RetriesHelp => HttpRequestSender.IsIdempotent(Method)
        ? "Tries again after a server error (5xx, 408, 429), a timeout or a lost connection."
        : $"A {Method} is tried again only when no connection could be made, so it is never sent twice.";

    private IReadOnlyList<HttpNode.Header> Headers =>
        Settings.ToElement().TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Array
            ? headers.Deserialize<List<HttpNode.Header>>(Web) ?? []
            : [];

    protected override async Task OnInitializedAsync()
    {
        // No StudioAccess (a host without accounts) means no administrator: the address stays read-only.
        _canSetAddress = Services.GetService(typeof(StudioAccess)) is StudioAccess access && await access.CanAsync(StudioPermission.Administer);
    }

    private Task SetHeader(int index, string? name, string? value)
    {
        var headers = Headers.ToList();
        headers[index] = headers[index] with { Name = name ?? headers[index].Name, Value = value ?? headers[index].Value };
        return SetHeaders(headers);
    }

    private Task RemoveHeader(int index)
    {
        var headers = Headers.ToList();
        headers.RemoveAt(index);
        return SetHeaders(headers);
    }

    private Task AddHeader() => SetHeaders([.. Headers, new HttpNode.Header()]);

    private Task SetHeaders(IReadOnlyList<HttpNode.Header> headers)
    {
        var settings = (JsonObject)JsonNode.Parse(Settings.ToElement().GetRawText())!;
        settings["headers"] = JsonSerializer.SerializeToNode(headers, Web);
        return OnChange.InvokeAsync(JsonSerializer.SerializeToElement(settings, Web));
    }
}
