using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;

namespace WorkflowStudio.Components.Pages.KnowledgeBases;

/// <summary>Create, rename and delete knowledge bases; add, replace and delete their documents with live indexing progress;
/// try searches in the playground.</summary>
public partial class KnowledgeBasesPage
{
    private static readonly string[] AllowedExtensions = [".md", ".txt", ".markdown"];

    [Parameter] public string? KnowledgeBaseId { get; set; }

    [Inject] private KnowledgeBaseService KnowledgeBases { get; set; } = default!;
    [Inject] private WorkflowStore Workflows { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private IReadOnlyList<KnowledgeBaseSummary>? _bases;
    private IReadOnlyList<KnowledgeDocumentSummary> _documents = [];
    private readonly List<string> _uploadProblems = [];
    private double? _indexingFraction;
    private IDisposable? _progressSubscription;
    private CancellationTokenSource? _poll;
    private bool _busy;

    private string _query = "";
    private SearchMode _mode = SearchMode.Hybrid;
    private int _topK = 5;
    private bool _searching;
    private PlaygroundResult? _result;
    private string? _searchError;

    private KnowledgeBaseSummary? Selected => _bases?.FirstOrDefault(k => k.Id == KnowledgeBaseId);

    protected override void OnInitialized() =>
        _progressSubscription = KnowledgeBases.SubscribeProgress(p => _ = InvokeAsync(() => OnProgressAsync(p)));

    protected override async Task OnParametersSetAsync()
    {
        _result = null;
        _searchError = null;
        _uploadProblems.Clear();
        await ReloadAsync();
        if (KnowledgeBaseId is null && _bases is [var first, ..])
        {
            Navigation.NavigateTo($"/knowledge-bases/{first.Id}", replace: true);
        }
    }

    private async Task ReloadAsync()
    {
        _bases = await KnowledgeBases.ListAsync();
        _documents = KnowledgeBaseId is null ? [] : await KnowledgeBases.ListDocumentsAsync(KnowledgeBaseId);
        _indexingFraction = KnowledgeBaseId is null ? null : KnowledgeBases.GetIndexingFraction(KnowledgeBaseId) ?? WaitingFraction(_documents);
        if (_poll is null && _documents.Any(IsWaiting))
        {
            _poll = new CancellationTokenSource();
            _ = InvokeAsync(() => PollWhileIndexingAsync(_poll.Token));
        }
    }

    /// <summary>Documents that another instance sharing the database indexes send no progress events here: their progress
    /// is read from the database every second while something waits.</summary>
    private async Task PollWhileIndexingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (_documents.Any(IsWaiting) && await timer.WaitForNextTickAsync(cancellationToken))
            {
                _documents = KnowledgeBaseId is null ? [] : await KnowledgeBases.ListDocumentsAsync(KnowledgeBaseId, cancellationToken);
                if (!_documents.Any(IsWaiting))
                {
                    await ReloadAsync();
                }
                else
                {
                    _indexingFraction = KnowledgeBases.GetIndexingFraction(KnowledgeBaseId!) ?? WaitingFraction(_documents);
                }
                StateHasChanged();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            await DispatchExceptionAsync(ex);
        }
        finally
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                _poll?.Dispose();
                _poll = null;
            }
        }
    }

    private static bool IsWaiting(KnowledgeDocumentSummary d) => d.State is DocumentState.Pending or DocumentState.Indexing;

    private static double? WaitingFraction(IReadOnlyList<KnowledgeDocumentSummary> documents) =>
        documents.Where(IsWaiting).Select(d => d.Fraction).DefaultIfEmpty(-1).Average() is var f and >= 0 ? f : null;

    private async Task OnProgressAsync(IndexingProgress progress)
    {
        try
        {
            if (progress.KnowledgeBaseId != KnowledgeBaseId)
            {
                return;
            }
            _indexingFraction = KnowledgeBases.GetIndexingFraction(progress.KnowledgeBaseId);
            if (progress.State is DocumentState.Ready or DocumentState.Failed or DocumentState.Pending)
            {
                await ReloadAsync();
            }
            else
            {
                _documents = [.. _documents.Select(d => d.Id == progress.DocumentId ? d with { State = progress.State } : d)];
            }
            StateHasChanged();
        }
        catch (Exception ex)
        {
            await DispatchExceptionAsync(ex);
        }
    }

    private async Task CreateAsync()
    {
        var dialog = await Dialogs.ShowAsync<KnowledgeBaseNameDialog>("New knowledge base",
            new DialogParameters<KnowledgeBaseNameDialog> { { d => d.Name, "" }, { d => d.SubmitText, "Create" } });
        if (await dialog.Result is { Canceled: false, Data: string name })
        {
            await RunAsync(async () =>
            {
                var created = await KnowledgeBases.CreateAsync(name);
                Navigation.NavigateTo($"/knowledge-bases/{created.Id}");
                await ReloadAsync();
            });
        }
    }

    private async Task RenameAsync()
    {
        if (Selected is not { } kb)
        {
            return;
        }
        var dialog = await Dialogs.ShowAsync<KnowledgeBaseNameDialog>("Rename knowledge base",
            new DialogParameters<KnowledgeBaseNameDialog> { { d => d.Name, kb.Name }, { d => d.SubmitText, "Rename" } });
        if (await dialog.Result is { Canceled: false, Data: string name } && name != kb.Name)
        {
            await RunAsync(async () =>
            {
                await KnowledgeBases.RenameAsync(kb.Id, name);
                await ReloadAsync();
            });
        }
    }

    private async Task DeleteAsync()
    {
        if (Selected is not { } kb)
        {
            return;
        }
        var users = await Workflows.NamesUsingKnowledgeBaseAsync(kb.Id);
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            "Delete this knowledge base?",
            $"“{kb.Name}” and its {Plural(kb.DocumentCount, "document")} will be deleted. {UsersSentence(users)} This cannot be undone.",
            yesText: "Delete", cancelText: "Keep it");
        if (confirmed != true)
        {
            return;
        }
        await RunAsync(async () =>
        {
            await KnowledgeBases.DeleteAsync(kb.Id);
            Snackbar.Add($"Deleted “{kb.Name}”.", Severity.Info);
            Navigation.NavigateTo("/knowledge-bases");
            await ReloadAsync();
        });
    }

    /// <summary>Who loses their knowledge when the base goes: the workflows are named, so nobody breaks a bot by surprise.</summary>
    internal static string UsersSentence(IReadOnlyList<string> workflowNames) => workflowNames switch
    {
        [] => "No workflow searches it.",
        [var one] => $"The workflow “{one}” searches it and will find nothing until you pick another knowledge base in it.",
        _ when workflowNames.Count <= 3 => $"The workflows {string.Join(", ", workflowNames.Take(workflowNames.Count - 1).Select(n => $"“{n}”"))} and “{workflowNames[^1]}” search it and will find nothing until you pick another knowledge base in them.",
        _ => $"{workflowNames.Count} workflows search it (“{workflowNames[0]}”, “{workflowNames[1]}” and {workflowNames.Count - 2} more) and will find nothing until you pick another knowledge base in them.",
    };

    private async Task UploadAsync(IReadOnlyList<IBrowserFile>? files)
    {
        if (files is null || files.Count == 0 || KnowledgeBaseId is not { } kbId)
        {
            return;
        }
        _uploadProblems.Clear();
        await RunAsync(async () =>
        {
            var added = 0;
            using (KnowledgeBases.HoldIndexing(kbId))
            {
                foreach (var file in files)
                {
                    var problem = await AddFileAsync(kbId, file, replaceId: null);
                    if (problem is null)
                    {
                        added++;
                    }
                    else
                    {
                        _uploadProblems.Add(problem);
                    }
                }
            }
            if (added > 0)
            {
                Snackbar.Add($"Added {Plural(added, "document")}; indexing runs in the background.", Severity.Success);
            }
            await ReloadAsync();
        });
    }

    private async Task ReplaceAsync(KnowledgeDocumentSummary document, IBrowserFile? file)
    {
        if (file is null || KnowledgeBaseId is not { } kbId)
        {
            return;
        }
        var sameName = string.Equals(file.Name, document.Name, StringComparison.OrdinalIgnoreCase);
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            $"Replace “{document.Name}”?",
            sameName
                ? "Its text is replaced by the file you picked, and answers use the new text from now on. The old text cannot be brought back."
                : $"Its text is replaced by the text of “{file.Name}” — a file with another name. The document keeps the name “{document.Name}”, and answers use the new text from now on. The old text cannot be brought back. To keep both, upload “{file.Name}” as a new document instead.",
            yesText: "Replace", cancelText: "Cancel");
        if (confirmed != true)
        {
            return;
        }
        _uploadProblems.Clear();
        await RunAsync(async () =>
        {
            if (await AddFileAsync(kbId, file, document.Id) is { } problem)
            {
                _uploadProblems.Add(problem);
            }
            else
            {
                Snackbar.Add($"Replaced “{document.Name}”.", Severity.Success);
            }
            await ReloadAsync();
        });
    }

    /// <returns>A plain-language problem, or null when the file was added.</returns>
    private async Task<string?> AddFileAsync(string kbId, IBrowserFile file, string? replaceId)
    {
        if (!AllowedExtensions.Contains(Path.GetExtension(file.Name), StringComparer.OrdinalIgnoreCase))
        {
            return $"“{file.Name}”: only Markdown (.md) and text (.txt) files can be added.";
        }
        if (file.Size > KnowledgeBaseService.MaxDocumentBytes)
        {
            return $"“{file.Name}” is {file.Size / 1024.0 / 1024.0:0.#} MB; a document can be at most {KnowledgeBaseService.MaxDocumentBytes / 1024 / 1024} MB.";
        }
        try
        {
            using var buffer = new MemoryStream((int)file.Size);
            await using (var stream = file.OpenReadStream(KnowledgeBaseService.MaxDocumentBytes))
            {
                await stream.CopyToAsync(buffer);
            }
            var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            if (replaceId is null)
            {
                await KnowledgeBases.AddDocumentAsync(kbId, file.Name, bytes);
            }
            else
            {
                await KnowledgeBases.ReplaceDocumentAsync(kbId, replaceId, bytes, file.Name);
            }
            return null;
        }
        catch (KnowledgeBaseException ex)
        {
            return ex.Message;
        }
        catch (IOException ex)
        {
            return $"“{file.Name}” could not be read: {ex.Message}";
        }
    }

    private async Task PasteAsync()
    {
        if (KnowledgeBaseId is not { } kbId)
        {
            return;
        }
        var dialog = await Dialogs.ShowAsync<PasteTextDialog>("Paste text", new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true });
        if (await dialog.Result is { Canceled: false, Data: PasteTextDialog.PastedDocument pasted })
        {
            await RunAsync(async () =>
            {
                await KnowledgeBases.AddDocumentAsync(kbId, pasted.Name, pasted.Text);
                Snackbar.Add($"Added “{pasted.Name}”.", Severity.Success);
                await ReloadAsync();
            });
        }
    }

    private async Task DeleteDocumentAsync(KnowledgeDocumentSummary document)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete this document?", $"“{document.Name}” will be removed from the knowledge base.",
            yesText: "Delete", cancelText: "Keep it");
        if (confirmed == true && KnowledgeBaseId is { } kbId)
        {
            await RunAsync(async () =>
            {
                await KnowledgeBases.DeleteDocumentAsync(kbId, document.Id);
                Snackbar.Add($"Deleted “{document.Name}”.", Severity.Success);
                await ReloadAsync();
            });
        }
    }

    private async Task SearchAsync()
    {
        if (KnowledgeBaseId is not { } kbId || string.IsNullOrWhiteSpace(_query))
        {
            return;
        }
        _searching = true;
        _searchError = null;
        try
        {
            _result = await KnowledgeBases.SearchPlaygroundAsync(kbId, _query, Math.Clamp(_topK, 1, 20), _mode);
        }
        catch (KnowledgeBaseException ex)
        {
            _searchError = ex.Message;
        }
        finally
        {
            _searching = false;
        }
    }

    private async Task OnQueryKeyUp(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
        {
            await SearchAsync();
        }
    }

    /// <summary>Disables the buttons while an action runs; user errors become a message, not a broken page.</summary>
    private async Task RunAsync(Func<Task> action)
    {
        _busy = true;
        try
        {
            await action();
        }
        catch (KnowledgeBaseException ex)
        {
            Snackbar.Add(ex.Message, Severity.Warning);
            await ReloadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n.ToString("N0", CultureInfo.CurrentCulture)} {word}s";

    private static string SizeText(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KB",
        _ => $"{bytes / 1024.0 / 1024.0:0.#} MB",
    };

    private static string Score(double? score) => score is { } s ? s.ToString("0.00", CultureInfo.CurrentCulture) : "—";

    private static string Snippet(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static Color StateColor(DocumentState state) => state switch
    {
        DocumentState.Ready => Color.Success,
        DocumentState.Failed => Color.Error,
        DocumentState.Indexing => Color.Info,
        _ => Color.Default,
    };

    private static string StateText(KnowledgeDocumentSummary d) => d.State switch
    {
        DocumentState.Ready => "Ready",
        DocumentState.Failed => "Failed",
        DocumentState.Indexing => "Indexing…",
        _ => "Waiting",
    };

    public void Dispose()
    {
        _progressSubscription?.Dispose();
        _poll?.Cancel();
        _poll?.Dispose();
    }
}
