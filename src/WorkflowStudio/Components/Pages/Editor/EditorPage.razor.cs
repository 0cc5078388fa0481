using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.JSInterop;
using MudBlazor;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowStudio.Accounts;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Providers;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Components.Pages.Editor;

/// <summary>The workflow editor: palette, canvas, inspector and problems around one <see cref="EditorSession"/>; loading,
/// saving (with conflict handling), version history, keyboard shortcuts and the unsaved-changes guard.</summary>
public sealed partial class EditorPage
{
    private static readonly TimeSpan ValidationDelay = TimeSpan.FromMilliseconds(300);

    private WorkflowCanvas? _canvas;
    private string? _loadedId;
    private bool _loaded;
    private bool _notFound;
    private bool _saving;
    private bool _chatOpen;
    private bool _canEdit;
    private bool _canAdminister;
    private string? _draggedType;
    private CancellationTokenSource? _validation;
    private DotNetObjectReference<EditorPage>? _self;
    private IJSObjectReference? _module;
    private IJSObjectReference? _shortcuts;

    [Parameter] public string Id { get; set; } = "";

    [Inject] private EditorSession Session { get; set; } = null!;
    [Inject] private WorkflowStore Store { get; set; } = null!;
    [Inject] private WorkflowCompiler Compiler { get; set; } = null!;
    [Inject] private IDialogService Dialogs { get; set; } = null!;
    [Inject] private ISnackbar Snackbar { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;
    [Inject] private IServiceProvider Services { get; set; } = null!;
    [Inject] private StudioAccess Access { get; set; } = null!;
    [Inject] private OutboundUrlGuard OutboundUrls { get; set; } = null!;

    protected override async Task OnInitializedAsync()
    {
        Session.Changed += OnSessionChanged;
        _canEdit = await Access.CanAsync(StudioPermission.Edit);
        _canAdminister = await Access.CanAsync(StudioPermission.Administer);
    }

    protected override async Task OnParametersSetAsync()
    {
        if (_loadedId == Id)
        {
            return;
        }
        _loadedId = Id;
        await LoadAsync();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive)
        {
            _self = DotNetObjectReference.Create(this);
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "./Components/Pages/Editor/EditorPage.razor.js");
            _shortcuts = await _module.InvokeAsync<IJSObjectReference>("register", _self);
        }
    }

    [JSInvokable]
    public Task OnShortcut(string command) => InvokeAsync(async () =>
    {
        switch (command)
        {
            case "save":
                await SaveAsync();
                break;
            case "undo":
                Undo();
                break;
            case "redo":
                Redo();
                break;
        }
    });

    private async Task LoadAsync()
    {
        var stored = await Store.GetAsync(Id);
        _notFound = stored is null;
        if (stored is not null)
        {
            Session.Load(stored.Id, stored.Graph, stored.Version);
            Session.SetProblems(Compiler.Compile(stored.Graph).Problems);
            await LoadLastRunAsync(stored.Id);
        }
        _loaded = true;
    }

    /// <summary>The inspector's "Last run" tab starts from the workflow's latest recorded run (test chat or API), so it has
    /// something to show after a reload; the next test-chat run replaces it. Hosts without run history skip this.</summary>
    private async Task LoadLastRunAsync(string workflowId)
    {
        if (Services.GetService(typeof(RunHistory)) is not RunHistory history
            || (await history.ListAsync(new RunQuery(WorkflowId: workflowId, Take: 1))).FirstOrDefault() is not { } latest
            || await history.GetAsync(latest.Id) is not { } details)
        {
            return;
        }
        var failed = details.Trace.FirstOrDefault(t => t.Status == RunTraceEntry.Failed);
        Session.SetLastRun(new CompletedRun(latest.Id, latest.WorkflowId, latest.ConversationId, latest.Query, latest.Status, latest.Answer,
            latest.Error, failed?.NodeId, failed?.Type, latest.StartedAt, latest.ElapsedMs, details.Trace));
    }

    private void OnSessionChanged()
    {
        _ = InvokeAsync(StateHasChanged);
        ScheduleValidation();
    }

    private void ScheduleValidation()
    {
        _validation?.Cancel();
        _validation?.Dispose();
        var cts = _validation = new CancellationTokenSource();
        _ = InvokeAsync(async () =>
        {
            try
            {
                await Task.Delay(ValidationDelay, cts.Token);
            }
            catch (OperationCanceledException)
            {
                return; // a newer change restarted the wait
            }
            Session.SetProblems(Compiler.Compile(Session.Graph).Problems);
        });
    }

    private void ValidateNow()
    {
        var problems = Compiler.Compile(Session.Graph).Problems;
        Session.SetProblems(problems);
        if (problems.Count == 0)
        {
            Snackbar.Add("No problems found: this workflow can run.", Severity.Success);
        }
        else
        {
            Snackbar.Add(problems.Count == 1 ? "1 problem found; see the list below the canvas." : $"{problems.Count} problems found; see the list below the canvas.", Severity.Warning);
        }
    }

    private async Task ToggleChat()
    {
        // The button is hidden from viewers; a stray call (say, an old tab after a role change) still opens nothing.
        _chatOpen = !_chatOpen && await Access.CanAsync(StudioPermission.Edit);
    }

    private Blazor.Diagrams.Core.Diagram? CurrentDiagram() => _canvas?.Diagram;

    private void Undo() => Session.Undo();

    private void Redo() => Session.Redo();

    private void Rename(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            Snackbar.Add("A workflow needs a name.", Severity.Warning);
            StateHasChanged();
            return;
        }
        Session.Rename(name);
    }

    private void DropNode(NodePosition position)
    {
        if (_draggedType is { } type)
        {
            _draggedType = null;
            Session.AddNode(type, position);
        }
    }

    private void AddAtCentre(string type) => Session.AddNode(type, _canvas?.FreeSpotInView() ?? new NodePosition(DiagramMapper.Margin, DiagramMapper.Margin));

    private async Task SaveAsync(bool overwrite = false)
    {
        if (_saving || Session.WorkflowId is null)
        {
            return;
        }
        if (!await Access.CanAsync(StudioPermission.Edit))
        {
            // Ctrl+S reaches here even though the Save button is hidden from viewers.
            Snackbar.Add("Your role can read this workflow but not save it.", Severity.Warning);
            return;
        }
        _saving = true;
        try
        {
            var graph = Session.Graph;
            if (await OutboundUrls.CheckAsync(Session.WorkflowId, graph) is { } refused)
            {
                Snackbar.Add(refused, Severity.Error);
                return;
            }
            var result = await Store.SaveAsync(Session.WorkflowId, graph, Session.Version, overwrite, await Access.ActorAsync());
            switch (result.Status)
            {
                case SaveStatus.Saved:
                    Session.MarkSaved(graph, result.Version);
                    var problems = Compiler.Compile(graph).Problems;
                    Snackbar.Add(problems.Count == 0
                        ? $"Saved (version {result.Version})."
                        : $"Saved as a draft (version {result.Version}): fix the {(problems.Count == 1 ? "problem" : $"{problems.Count} problems")} before running it.",
                        problems.Count == 0 ? Severity.Success : Severity.Info);
                    break;
                case SaveStatus.Conflict:
                    _saving = false;
                    await ResolveConflictAsync(result.Version);
                    break;
                case SaveStatus.NotFound:
                    Snackbar.Add("This workflow no longer exists (it was deleted elsewhere), so it cannot be saved. Export or copy what you need.", Severity.Error);
                    break;
            }
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task ResolveConflictAsync(int theirVersion)
    {
        var parameters = new DialogParameters<ConflictDialog> { { d => d.TheirVersion, theirVersion } };
        var dialog = await Dialogs.ShowAsync<ConflictDialog>("This workflow was changed elsewhere", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true });
        var result = await dialog.Result;
        if (result is not { Canceled: false, Data: ConflictChoice choice })
        {
            return;
        }
        if (choice == ConflictChoice.Overwrite)
        {
            await SaveAsync(overwrite: true);
        }
        else
        {
            await LoadAsync();
            Snackbar.Add($"Reloaded version {Session.Version}.", Severity.Info);
        }
    }

    private async Task ShowHistoryAsync()
    {
        if (Session.WorkflowId is not { } id)
        {
            return;
        }
        var parameters = new DialogParameters<VersionHistoryDialog> { { d => d.WorkflowId, id }, { d => d.CurrentVersion, Session.Version } };
        var dialog = await Dialogs.ShowAsync<VersionHistoryDialog>("Version history", parameters, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true });
        var result = await dialog.Result;
        if (result is not { Canceled: false, Data: int version })
        {
            return;
        }
        if (await Store.GetVersionAsync(id, version) is not { } graph)
        {
            Snackbar.Add($"Version {version} could not be read.", Severity.Error);
            return;
        }
        Session.Replace(graph);
        Snackbar.Add($"Version {version} restored on the canvas. Save to keep it, or Undo to go back.", Severity.Info);
    }

    private async Task ConfirmLeaveAsync(LocationChangingContext context)
    {
        if (!Session.IsDirty)
        {
            return;
        }
        if (_confirmingLeave)
        {
            // Already asking (e.g. Back pressed while the question is open): one question at a time.
            context.PreventNavigation();
            return;
        }
        _confirmingLeave = true;
        try
        {
            var leave = await Dialogs.ShowMessageBoxAsync("Leave without saving?",
                "Your changes to this workflow are not saved yet. If you leave now they are lost.",
                yesText: "Leave without saving", cancelText: "Stay");
            if (leave != true)
            {
                context.PreventNavigation();
            }
        }
        finally
        {
            _confirmingLeave = false;
        }
    }

    private bool _confirmingLeave;

    public async ValueTask DisposeAsync()
    {
        Session.Changed -= OnSessionChanged;
        _validation?.Cancel();
        _validation?.Dispose();
        try
        {
            if (_module is not null)
            {
                await _module.InvokeVoidAsync("unregister", _shortcuts);
                await _module.DisposeAsync();
            }
            if (_shortcuts is not null)
            {
                await _shortcuts.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The tab is closed: the browser took its listeners with it.
        }
        _self?.Dispose();
    }
}
