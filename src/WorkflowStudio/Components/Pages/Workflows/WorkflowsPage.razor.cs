using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.JSInterop;
using MudBlazor;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;

namespace WorkflowStudio.Components.Pages.Workflows;

public partial class WorkflowsPage
{
    [Inject] private WorkflowLibrary Library { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private StudioAccess Access { get; set; } = default!;

    private IReadOnlyList<WorkflowSummary>? _workflows;
    private ImportFailure? _importFailure;
    private bool _busy;
    private bool _canEdit;

    private sealed record ImportFailure(string FileName, IReadOnlyList<ValidationProblem> Problems);

    protected override async Task OnInitializedAsync()
    {
        _canEdit = await Access.CanAsync(StudioPermission.Edit);
        await ReloadAsync();
    }

    private IReadOnlyDictionary<string, int> _problemCounts = new Dictionary<string, int>();

    private async Task ReloadAsync()
    {
        var listing = await Library.ListAsync();
        _problemCounts = listing.ProblemCounts;
        _workflows = listing.Workflows;
    }

    private async Task CreateBlankAsync() => await RunAsync(async () =>
    {
        var created = await Library.CreateBlankAsync(UniqueName("New workflow"));
        Navigation.NavigateTo($"/workflows/{created.Id}");
    });

    private async Task CreateFromSampleAsync() => await RunAsync(async () =>
    {
        var created = await Library.CreateFromSampleAsync();
        Navigation.NavigateTo($"/workflows/{created.Id}");
    });

    private async Task CreateFromRoutingSampleAsync() => await RunAsync(async () =>
    {
        var created = await Library.CreateFromRoutingSampleAsync();
        Navigation.NavigateTo($"/workflows/{created.Id}");
    });

    private async Task RenameAsync(WorkflowSummary workflow)
    {
        var parameters = new DialogParameters<RenameWorkflowDialog> { { d => d.Name, workflow.Name } };
        var dialog = await Dialogs.ShowAsync<RenameWorkflowDialog>("Rename workflow", parameters);
        if (await dialog.Result is { Canceled: false, Data: string name } && name.Trim() != workflow.Name)
        {
            await RunAsync(async () =>
            {
                if (!await Library.RenameAsync(workflow.Id, name))
                {
                    Snackbar.Add("That workflow no longer exists.", Severity.Warning);
                }
                await ReloadAsync();
            });
        }
    }

    private async Task DuplicateAsync(WorkflowSummary workflow) => await RunAsync(async () =>
    {
        var copy = await Library.DuplicateAsync(workflow.Id);
        Snackbar.Add(copy is null ? "That workflow no longer exists." : $"Made a copy: “{copy.Graph.Name}”.", copy is null ? Severity.Warning : Severity.Success);
        await ReloadAsync();
    });

    private async Task ExportAsync(WorkflowSummary workflow) => await RunAsync(async () =>
    {
        if (await Library.ExportAsync(workflow.Id) is { } file)
        {
            await JS.InvokeVoidAsync("studio.downloadFile", file.FileName, "application/json", file.Json);
        }
        else
        {
            Snackbar.Add("That workflow no longer exists.", Severity.Warning);
            await ReloadAsync();
        }
    });

    private async Task DeleteAsync(WorkflowSummary workflow)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            "Delete this workflow?",
            $"“{workflow.Name}” will be deleted with all its saved versions, recorded runs, conversations, run keys and cached answers. This cannot be undone.",
            yesText: "Delete", cancelText: "Keep it");
        if (confirmed != true)
        {
            return;
        }
        await RunAsync(async () =>
        {
            await Library.DeleteAsync(workflow.Id);
            Snackbar.Add($"Deleted “{workflow.Name}”.", Severity.Info);
            await ReloadAsync();
        });
    }

    private async Task ImportAsync(IBrowserFile? file)
    {
        if (file is null)
        {
            return;
        }
        _importFailure = null;
        if (file.Size > WorkflowLibrary.MaxImportBytes)
        {
            _importFailure = new ImportFailure(file.Name, [new ValidationProblem("file.too-large",
                $"The file is {file.Size / 1024.0 / 1024.0:0.#} MB; a workflow file is at most {WorkflowLibrary.MaxImportBytes / 1024 / 1024} MB. Is it the right file?")]);
            return;
        }
        await RunAsync(async () =>
        {
            string json;
            await using (var stream = file.OpenReadStream(WorkflowLibrary.MaxImportBytes))
            using (var reader = new StreamReader(stream))
            {
                json = await reader.ReadToEndAsync();
            }
            var result = await Library.ImportAsync(json, file.Name);
            if (result.Succeeded)
            {
                var name = result.Workflow!.Graph.Name;
                if (result.DesignProblems is { Count: > 0 } design)
                {
                    Snackbar.Add($"Imported “{name}” as a draft: it needs {design.Count} fix{(design.Count == 1 ? "" : "es")} before it can run. Open it to see what.", Severity.Warning);
                }
                else
                {
                    Snackbar.Add($"Imported “{name}”.", Severity.Success);
                }
                await ReloadAsync();
            }
            else
            {
                _importFailure = new ImportFailure(file.Name, result.Problems);
            }
        });
    }

    /// <summary>Disables the buttons while an action runs, so a double click does not create two workflows.</summary>
    private async Task RunAsync(Func<Task> action)
    {
        _busy = true;
        try
        {
            await action();
        }
        finally
        {
            _busy = false;
        }
    }

    private string UniqueName(string baseName) => WorkflowLibrary.UniqueName(baseName, (_workflows ?? []).Select(w => w.Name));
}
