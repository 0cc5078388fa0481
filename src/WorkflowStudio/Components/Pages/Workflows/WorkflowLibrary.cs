using System.Text;
using WorkflowEngine.Caching;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;
using WorkflowStudio.Providers;
using WorkflowStudio.Samples;

namespace WorkflowStudio.Components.Pages.Workflows;

/// <summary>What happened to an imported file: the new workflow, or the problems (with their location) that stopped it.
/// <see cref="DesignProblems"/> are what the validator found in an imported workflow (saved as a draft to fix in the editor).</summary>
public sealed record ImportResult(StoredWorkflow? Workflow, IReadOnlyList<ValidationProblem> Problems, IReadOnlyList<ValidationProblem>? DesignProblems = null)
{
    public bool Succeeded => Workflow is not null;
}

/// <summary>The Workflows page's list: each workflow, and the problem count of those that cannot run yet.</summary>
public sealed record WorkflowListing(IReadOnlyList<WorkflowSummary> Workflows, IReadOnlyDictionary<string, int> ProblemCounts);

/// <summary>A workflow as a file to download.</summary>
public sealed record ExportedWorkflow(string FileName, string Json);

/// <summary>The Workflows page's actions on the <see cref="WorkflowStore"/>, kept out of the .razor file so they are testable.
/// Everything that changes a workflow needs an editor or administrator (<see cref="StudioAccess"/>): the page hides those
/// buttons from viewers, and this refuses them anyway.</summary>
public sealed class WorkflowLibrary(WorkflowStore store, StudioSamples samples, GraphValidator validator, StudioAccess access, ICacheInvalidation invalidation, ILogger<WorkflowLibrary> logger,
    OutboundUrlGuard outboundUrls)
{
    public const int MaxNameLength = 100;
    /// <summary>Workflow documents are small; anything bigger is almost certainly the wrong file.</summary>
    public const long MaxImportBytes = 2 * 1024 * 1024;

    /// <summary>Every workflow, newest first, with the problem count of each one that cannot run yet (drafts: saved, but to be
    /// fixed in the editor first). One query: the graphs are needed for the counts, and the list is read from them.</summary>
    public async Task<WorkflowListing> ListAsync(CancellationToken cancellationToken = default)
    {
        var stored = await store.ListStoredAsync(cancellationToken);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var workflow in stored)
        {
            if (validator.Validate(workflow.Graph) is { Count: > 0 } problems)
            {
                counts[workflow.Id] = problems.Count;
            }
        }
        return new WorkflowListing(
            [.. stored.OrderByDescending(w => w.UpdatedAt)
                .Select(w => new WorkflowSummary(w.Id, w.Graph.Name, w.Graph.Description, w.Graph.Nodes.Length, w.Version, w.UpdatedAt))],
            counts);
    }

    /// <summary><paramref name="baseName"/>, or "baseName 2", "baseName 3"… when it is taken (names compared ignoring case),
    /// kept within <see cref="MaxNameLength"/>.</summary>
    public static string UniqueName(string baseName, IEnumerable<string> taken)
    {
        var names = taken.ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!names.Contains(baseName))
        {
            return baseName;
        }
        for (var n = 2; ; n++)
        {
            var suffix = $" {n}";
            var candidate = (baseName.Length + suffix.Length > MaxNameLength ? baseName[..(MaxNameLength - suffix.Length)] : baseName) + suffix;
            if (!names.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    public async Task<StoredWorkflow> CreateBlankAsync(string name = "New workflow", CancellationToken cancellationToken = default)
    {
        await access.DemandAsync(StudioPermission.Edit);
        return await store.CreateAsync(StudioSamples.Blank(name), savedBy: await access.ActorAsync(), cancellationToken: cancellationToken);
    }

    public async Task<StoredWorkflow> CreateFromSampleAsync(CancellationToken cancellationToken = default)
    {
        await access.DemandAsync(StudioPermission.Edit);
        return await store.CreateAsync(await samples.FaqBotAsync(cancellationToken), savedBy: await access.ActorAsync(), cancellationToken: cancellationToken);
    }

    /// <summary>A new workflow from the routing sample (order and account questions to their own knowledge bases).</summary>
    public async Task<StoredWorkflow> CreateFromRoutingSampleAsync(CancellationToken cancellationToken = default)
    {
        await access.DemandAsync(StudioPermission.Edit);
        return await store.CreateAsync(await samples.RoutingBotAsync(cancellationToken), savedBy: await access.ActorAsync(), cancellationToken: cancellationToken);
    }

    /// <summary>Null when the name is fine, otherwise what is wrong with it in plain words.</summary>
    public static string? CheckName(string? name) => string.IsNullOrWhiteSpace(name)
        ? "Give the workflow a name."
        : name.Trim().Length > MaxNameLength ? $"Keep the name under {MaxNameLength} characters." : null;

    /// <summary>Renames a workflow, saving a new version. False when it no longer exists.</summary>
    public async Task<bool> RenameAsync(string id, string name, CancellationToken cancellationToken = default)
    {
        if (CheckName(name) is { } problem)
        {
            throw new ArgumentException(problem, nameof(name));
        }
        await access.DemandAsync(StudioPermission.Edit);
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return false;
        }
        // A rename changes only the name, so it applies on top of whatever version is current.
        var result = await store.SaveAsync(id, stored.Graph with { Name = name.Trim() }, stored.Version, overwrite: true, await access.ActorAsync(), cancellationToken);
        return result.Status == SaveStatus.Saved;
    }

    public async Task<StoredWorkflow?> DuplicateAsync(string id, CancellationToken cancellationToken = default)
    {
        await access.DemandAsync(StudioPermission.Edit);
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return null;
        }
        var name = $"Copy of {stored.Graph.Name}";
        return await store.CreateAsync(stored.Graph with { Name = name.Length > MaxNameLength ? name[..MaxNameLength] : name }, savedBy: await access.ActorAsync(), cancellationToken: cancellationToken);
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await access.DemandAsync(StudioPermission.Edit);
        var deleted = await store.DeleteAsync(id, cancellationToken);
        if (deleted)
        {
            await invalidation.ClearWorkflowAsync(id, cancellationToken: cancellationToken);
            Log.WorkflowDeleted(logger, id);
        }
        return deleted;
    }

    /// <summary>Creates a workflow from an exported document. A document that cannot be read gives its problems, each with
    /// where in the file it is; nothing is saved then. A readable document with design problems (say, no answer node) is
    /// saved as a draft for the editor to show.</summary>
    public async Task<ImportResult> ImportAsync(string json, string fileName, CancellationToken cancellationToken = default)
    {
        await access.DemandAsync(StudioPermission.Edit);
        var parsed = WorkflowJson.Parse(json);
        if (!parsed.Succeeded)
        {
            return new ImportResult(null, parsed.Problems);
        }
        var graph = parsed.Graph!;
        if (CheckName(graph.Name) is not null)
        {
            graph = graph with { Name = Path.GetFileNameWithoutExtension(fileName) is { Length: > 0 and <= MaxNameLength } n ? n : "Imported workflow" };
        }
        if (await outboundUrls.CheckAsync(null, graph, cancellationToken) is { } refused)
        {
            return new ImportResult(null, [new ValidationProblem("outbound-address.admin-only", refused)]);
        }
        // Importing the same file twice gives "Bot" and "Bot 2", not two rows nobody can tell apart.
        graph = graph with { Name = UniqueName(graph.Name, (await store.ListAsync(cancellationToken)).Select(w => w.Name)) };
        var stored = await store.CreateAsync(graph, savedBy: await access.ActorAsync(), cancellationToken: cancellationToken);
        Log.WorkflowImported(logger, graph.Name, stored.Id, fileName);
        return new ImportResult(stored, [], validator.Validate(graph));
    }

    public async Task<ExportedWorkflow?> ExportAsync(string id, CancellationToken cancellationToken = default)
    {
        var stored = await store.GetAsync(id, cancellationToken);
        return stored is null ? null : new ExportedWorkflow(FileNameFor(stored.Graph.Name), WorkflowJson.Serialize(stored.Graph));
    }

    /// <summary>"FAQ bot (sample)" → "faq-bot-sample.workflow.json"; letters of any script are kept.</summary>
    public static string FileNameFor(string name)
    {
        var slug = new StringBuilder();
        foreach (var c in name.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }
        var text = slug.ToString().Trim('-');
        return (text.Length == 0 ? "workflow" : text) + ".workflow.json";
    }

    /// <summary>Where a problem is, in words: "node 'llm'", "line 3, position 7" is already in the message, or the JSON path.</summary>
    public static string? DescribeLocation(ValidationProblem problem) =>
        problem.NodeId is { } nodeId ? $"Node '{nodeId}'" + (problem.Path is { } p ? $" ({p})" : "")
        : problem.Path is { Length: > 0 } path && path != "$" ? path
        : null;
}
