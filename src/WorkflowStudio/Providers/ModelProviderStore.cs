using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WorkflowEngine.Graphs;
using WorkflowEngine.Llm;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Providers;

/// <summary>A model provider as pages show it: everything but the key, of which only a hint is given.</summary>
public sealed record ModelProviderInfo(string Id, string Name, string BaseUrl, string? Model, string KeyHint, bool HasKey, bool KeyUnreadable, DateTimeOffset CreatedAt);

/// <summary>What a user enters for a provider. <see cref="ApiKey"/>: a new key; null keeps the stored one (on update); empty removes it.</summary>
public sealed record ModelProviderInput(string Name, string BaseUrl, string? Model, string? ApiKey);

/// <summary>The outcome of a create or update: the provider, or a plain-language reason it was refused.</summary>
public sealed record ModelProviderSaveResult(ModelProviderInfo? Provider, string? Error)
{
    public bool Succeeded => Provider is not null;
}

/// <summary>
/// OpenAI-compatible model providers configured in the studio (name, base URL, default model, API key), stored in the database with the
/// key encrypted by ASP.NET Data Protection (its key ring stored in the same database, see AddStudioAccounts). Keys are
/// decrypted once into an in-memory catalog that llm nodes resolve their <c>provider</c> setting against; no page, API response,
/// log or workflow document ever carries a key back out. As an <see cref="IWorkflowDocumentFilter"/> it also moves API keys that
/// arrive inside a workflow document (import, HTTP API) into a provider, so documents never hold keys in plain text.
/// </summary>
public sealed class ModelProviderStore(
    IDbContextFactory<StudioDbContext> dbFactory,
    IDataProtectionProvider dataProtection,
    IOptions<LlmOptions> llmOptions,
    TimeProvider time,
    ILogger<ModelProviderStore> logger) : ILlmProviderCatalog, IWorkflowDocumentFilter
{
    /// <summary>The Data Protection purpose: a key protected for another purpose (or another application) cannot be read here.</summary>
    public const string Purpose = "WorkflowStudio.ModelProviders.ApiKey.v1";
    public const int MaxNameLength = 100;
    public const int MaxKeyLength = 4_000;

    // A non-empty key under any casing of "apiKey", indented or not: GLOB on SQLite (a native scan, no .NET callback per row),
    // the same test as a regular expression on PostgreSQL (its ~ operator).
    private const string InlineKeyGlob = "*\"[aA][pP][iI][kK][eE][yY]\": \"[^\"]*";
    private const string InlineKeyGlobCompact = "*\"[aA][pP][iI][kK][eE][yY]\":\"[^\"]*";
    private const string InlineKeyPattern = "\"[aA][pP][iI][kK][eE][yY]\": ?\"[^\"]";

    private readonly IDataProtector _protector = dataProtection.CreateProtector(Purpose);
    private readonly SemaphoreSlim _writes = new(1, 1);
    private volatile FrozenDictionary<string, LlmProviderSettings> _byId = FrozenDictionary<string, LlmProviderSettings>.Empty;
    private volatile IReadOnlyList<LlmProviderSettings> _all = [];

    /// <summary>Raised after any change, so open pickers can refresh.</summary>
    public event Action? Changed;

    public LlmProviderSettings? Find(string id) => _byId.GetValueOrDefault(id);

    public IReadOnlyList<LlmProviderSettings> All => _all;

    /// <summary>Reads every provider and decrypts its key into the in-memory catalog. Called at start-up and after each change.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken = default) => await ReloadAsync(cancellationToken);

    /// <summary>The providers for pages. Reading them also refreshes the in-memory catalog (one decryption pass for both), so
    /// a change made by another studio instance shows up here and in runs once the page is opened.</summary>
    public async Task<IReadOnlyList<ModelProviderInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        var providers = await ReloadAsync(cancellationToken);
        return [.. providers.Select(p => ToInfo(p.Row, p.Settings)).OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)];
    }

    private async Task<List<(LlmProviderEntity Row, LlmProviderSettings Settings)>> ReloadAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.LlmProviders.AsNoTracking().ToListAsync(cancellationToken);
        var providers = rows.Select(r => (Row: r, Settings: Decrypt(r))).ToList();
        var settings = providers.Select(p => p.Settings).OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToList();
        // Two snapshot swaps: for a moment Find and All may differ by the latest change; each is consistent in itself.
        _byId = settings.ToFrozenDictionary(p => p.Id, StringComparer.Ordinal);
        _all = settings;
        return providers;
    }

    public async Task<ModelProviderSaveResult> CreateAsync(ModelProviderInput input, CancellationToken cancellationToken = default)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (await ValidateAsync(db, input, id: null, cancellationToken) is { } error)
            {
                return new ModelProviderSaveResult(null, error);
            }
            var entity = new LlmProviderEntity { CreatedAt = time.GetUtcNow() };
            Apply(entity, input);
            db.LlmProviders.Add(entity);
            await db.SaveChangesAsync(cancellationToken);
            Log.ProviderSaved(logger, entity.Name, entity.Id);
            await ChangedAsync(cancellationToken);
            return new ModelProviderSaveResult(ToInfo(entity, Find(entity.Id) ?? Decrypt(entity)), null);
        }
        finally
        {
            _writes.Release();
        }
    }

    public async Task<ModelProviderSaveResult> UpdateAsync(string id, ModelProviderInput input, CancellationToken cancellationToken = default)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var entity = await db.LlmProviders.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
            if (entity is null)
            {
                return new ModelProviderSaveResult(null, "That provider no longer exists.");
            }
            if (await ValidateAsync(db, input, id, cancellationToken) is { } error)
            {
                return new ModelProviderSaveResult(null, error);
            }
            if (KeyMustBeEnteredAgain(entity.BaseUrl, !string.IsNullOrEmpty(entity.EncryptedApiKey), input))
            {
                return new ModelProviderSaveResult(null, KeyMustBeEnteredAgainMessage);
            }
            Apply(entity, input);
            await db.SaveChangesAsync(cancellationToken);
            Log.ProviderSaved(logger, entity.Name, entity.Id);
            await ChangedAsync(cancellationToken);
            return new ModelProviderSaveResult(ToInfo(entity, Find(entity.Id) ?? Decrypt(entity)), null);
        }
        finally
        {
            _writes.Release();
        }
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var deleted = await db.LlmProviders.Where(p => p.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;
        if (deleted)
        {
            Log.ProviderDeleted(logger, id);
            await ChangedAsync(cancellationToken);
        }
        return deleted;
    }

    /// <summary>The names of the saved workflows whose llm nodes use the provider (to warn before deleting it).</summary>
    public async Task<IReadOnlyList<string>> UsedByAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var candidates = await db.Workflows.AsNoTracking().Where(w => w.Json.Contains(id)).Select(w => new { w.Name, w.Json }).ToListAsync(cancellationToken);
        return [.. candidates.Where(c => WorkflowJson.Parse(c.Json).Graph is { } graph && graph.Nodes.Any(n => ProviderOf(n) == id)).Select(c => c.Name).Order()];
    }

    /// <summary>Moves every API key an llm node carries into a provider (an existing one with the same base URL and key, or a new
    /// one named after the host), replacing the node's <c>baseUrl</c>/<c>apiKey</c> by <c>provider</c>. A key for no base URL at all
    /// (no node URL, no configured default) could never be sent anywhere and is dropped.</summary>
    public async ValueTask<WorkflowGraph> BeforeStoreAsync(WorkflowGraph graph, CancellationToken cancellationToken)
    {
        if (!graph.Nodes.Any(HasInlineKey))
        {
            return graph;
        }
        var nodes = graph.Nodes.ToBuilder();
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (!HasInlineKey(node))
            {
                continue;
            }
            var settings = JsonNode.Parse(node.Settings.GetRawText())!.AsObject();
            var key = Take(settings, "apiKey")!.Trim();
            var nodeUrl = Find(settings, "baseUrl")?.Trim() ?? "";
            var baseUrl = nodeUrl.Length > 0 ? nodeUrl : llmOptions.Value.BaseUrl?.Trim() ?? "";
            if (baseUrl.Length > 0 && LlmEndpoint.IsValidBaseUrl(baseUrl))
            {
                var providerId = await FindOrCreateAsync(baseUrl, key, cancellationToken);
                Take(settings, "baseUrl");
                Take(settings, "provider");
                settings["provider"] = providerId;
                Log.InlineKeyMoved(logger, node.Id, graph.Name, providerId);
            }
            nodes[i] = node with { Settings = JsonSerializer.SerializeToElement(settings) };
        }
        return graph with { Nodes = nodes.ToImmutable() };
    }

    /// <summary>Moves keys out of documents stored before this store existed (current documents and their version history), in
    /// place: the stored JSON changes, the workflow's version does not. Called at start-up; cheap when there is nothing to move.</summary>
    public async Task<int> ProtectStoredWorkflowsAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var moved = 0;
        // Only documents with a non-empty key (any casing of "apiKey", indented or not): the inspector writes "apiKey": "" into
        // every llm node it edits, and those need no parsing at start-up.
        var sqlite = db.Database.IsSqlite();
        var workflows = sqlite
            ? db.Workflows.Where(w => EF.Functions.Glob(w.Json, InlineKeyGlob) || EF.Functions.Glob(w.Json, InlineKeyGlobCompact))
            : db.Workflows.Where(w => Regex.IsMatch(w.Json, InlineKeyPattern));
        foreach (var workflow in await workflows.ToListAsync(cancellationToken))
        {
            if (await ProtectJsonAsync(workflow.Json, cancellationToken) is { } json)
            {
                workflow.Json = json;
                moved++;
            }
        }
        var versions = sqlite
            ? db.WorkflowVersions.Where(v => EF.Functions.Glob(v.Json, InlineKeyGlob) || EF.Functions.Glob(v.Json, InlineKeyGlobCompact))
            : db.WorkflowVersions.Where(v => Regex.IsMatch(v.Json, InlineKeyPattern));
        foreach (var version in await versions.ToListAsync(cancellationToken))
        {
            if (await ProtectJsonAsync(version.Json, cancellationToken) is { } json)
            {
                version.Json = json;
                moved++;
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        return moved;
    }

    private async Task<string?> ProtectJsonAsync(string json, CancellationToken cancellationToken) =>
        WorkflowJson.Parse(json).Graph is { } graph && graph.Nodes.Any(HasInlineKey)
            ? WorkflowJson.Serialize(await BeforeStoreAsync(graph, cancellationToken))
            : null;

    public const string KeyMustBeEnteredAgainMessage =
        "The base URL now points to another server (its scheme, host or port changed): enter the API key again, or remove it, so that the stored key is never sent to an address it was not entered for.";

    /// <summary>True when an edit would send the stored key to another server: the base URL's scheme, host or port changes and no
    /// new key (nor its removal) is given. A change of path alone keeps the key.</summary>
    public static bool KeyMustBeEnteredAgain(string storedBaseUrl, bool hasKey, ModelProviderInput input) =>
        hasKey && input.ApiKey is null && !LlmEndpoint.IsSameOrigin(storedBaseUrl, input.BaseUrl);

    /// <summary>"••••1a2b" for a long key, "set" for a short one (showing its end would show too much of it), "none".</summary>
    public static string HintFor(string? key) =>
        string.IsNullOrEmpty(key) ? "none" : key.Length >= 12 ? "••••" + key[^4..] : "set";

    private async Task<string> FindOrCreateAsync(string baseUrl, string key, CancellationToken cancellationToken)
    {
        var existing = _all.FirstOrDefault(p => !p.KeyUnreadable && string.Equals(p.BaseUrl.TrimEnd('/'), baseUrl.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
            && p.ApiKey is { } k && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(k), System.Text.Encoding.UTF8.GetBytes(key)));
        if (existing is not null)
        {
            return existing.Id;
        }
        var host = Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) ? uri.Host : "provider";
        var names = _all.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var name = $"{host} (from a workflow)";
        for (var n = 2; names.Contains(name); n++)
        {
            name = $"{host} (from a workflow) {n}";
        }
        var created = await CreateAsync(new ModelProviderInput(name, baseUrl, null, key), cancellationToken);
        return created.Provider?.Id ?? throw new InvalidOperationException(created.Error);
    }

    // Settings are read case-insensitively by the engine, so "ApiKey" is a key just as "apiKey" is.
    private static bool HasInlineKey(NodeDefinition node) =>
        node.Type == NodeRegistry.KeyOf<LlmNode>() && node.Settings.ValueKind == JsonValueKind.Object
        && node.Settings.EnumerateObject().Any(p => string.Equals(p.Name, "apiKey", StringComparison.OrdinalIgnoreCase)
            && p.Value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(p.Value.GetString()));

    private static string? ProviderOf(NodeDefinition node) =>
        node.Type == NodeRegistry.KeyOf<LlmNode>() && node.Settings.ValueKind == JsonValueKind.Object
            ? node.Settings.EnumerateObject().Where(p => string.Equals(p.Name, "provider", StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.String)
                .Select(p => p.Value.GetString()).FirstOrDefault()
            : null;

    /// <summary>The text value of a setting, whatever the casing of its name.</summary>
    private static string? Find(JsonObject settings, string name) =>
        settings.Where(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase))
            .Select(p => p.Value is JsonValue v && v.TryGetValue<string>(out var text) ? text : null).FirstOrDefault(t => t is not null);

    /// <summary>Removes a setting under every casing of its name; returns its text value.</summary>
    private static string? Take(JsonObject settings, string name)
    {
        var value = Find(settings, name);
        foreach (var key in settings.Select(p => p.Key).Where(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            settings.Remove(key);
        }
        return value;
    }

    private static async Task<string?> ValidateAsync(StudioDbContext db, ModelProviderInput input, string? id, CancellationToken cancellationToken)
    {
        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0)
        {
            return "Give the provider a name, e.g. “OpenAI” or “Local Ollama”.";
        }
        if (name.Length > MaxNameLength)
        {
            return $"The name is too long: at most {MaxNameLength} characters.";
        }
        if (!LlmEndpoint.IsValidBaseUrl(input.BaseUrl ?? ""))
        {
            return "The base URL must be an absolute http or https address, e.g. https://api.openai.com/v1 or http://localhost:11434/v1.";
        }
        if (input.ApiKey is { Length: > MaxKeyLength })
        {
            return $"That API key is too long: at most {MaxKeyLength} characters.";
        }
        var names = await db.LlmProviders.AsNoTracking().Where(p => p.Id != id).Select(p => p.Name).ToListAsync(cancellationToken);
        return names.Contains(name, StringComparer.OrdinalIgnoreCase) ? $"A provider named “{name}” already exists." : null;
    }

    private void Apply(LlmProviderEntity entity, ModelProviderInput input)
    {
        entity.Name = input.Name.Trim();
        entity.BaseUrl = input.BaseUrl.Trim();
        entity.Model = input.Model?.Trim() ?? "";
        if (input.ApiKey is not null)
        {
            var key = input.ApiKey.Trim();
            entity.EncryptedApiKey = key.Length == 0 ? null : _protector.Protect(key);
        }
    }

    private LlmProviderSettings Decrypt(LlmProviderEntity row)
    {
        string? key = null;
        var unreadable = false;
        if (!string.IsNullOrEmpty(row.EncryptedApiKey))
        {
            try
            {
                key = _protector.Unprotect(row.EncryptedApiKey);
            }
            catch (CryptographicException ex)
            {
                unreadable = true;
                Log.ProviderKeyUnreadable(logger, ex, row.Name, row.Id);
            }
        }
        return new LlmProviderSettings(row.Id, row.Name, row.BaseUrl, key, string.IsNullOrWhiteSpace(row.Model) ? null : row.Model, unreadable);
    }

    private static ModelProviderInfo ToInfo(LlmProviderEntity row, LlmProviderSettings settings) =>
        new(row.Id, row.Name, row.BaseUrl, settings.Model, settings.KeyUnreadable ? "unreadable" : HintFor(settings.ApiKey),
            !string.IsNullOrEmpty(row.EncryptedApiKey), settings.KeyUnreadable, row.CreatedAt);

    private async Task ChangedAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        Changed?.Invoke();
    }
}
