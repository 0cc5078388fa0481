using Blazor.Diagrams.Core;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using WorkflowEngine.Events;
using WorkflowEngine.Execution;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowStudio.Accounts;
using WorkflowStudio.Components.Pages.Editor;
using WorkflowStudio.Runs;

namespace WorkflowStudio.Components.Chat;

/// <summary>
/// The editor's test chat: asks the graph as it is in the editor (unsaved changes included), streams the answer, and paints the
/// run on the canvas. The run executes off the circuit (<see cref="RunHub"/> on the thread pool); this component only watches
/// its own run id, so two tabs never see each other's runs. Closing the tab drops the subscription, not the run: it still ends
/// and is recorded.
/// </summary>
public sealed partial class TestChatPanel : IAsyncDisposable
{
    private readonly List<ChatEntry> _entries = [];
    private readonly List<CompletedRun> _runs = [];
    private string _input = "";
    private string _conversationId = NewId();
    private CancellationTokenSource? _stop;
    private IDisposable? _subscription;
    private RunHandle? _handle;
    private ChatEntry? _current;
    private bool _overlayShown;
    private bool _disposed;
    private bool _scrollPending;
    private ElementReference _inputElement;
    private ElementReference _messagesElement;
    private IJSObjectReference? _module;
    private IJSObjectReference? _enterHandler;

    [Inject] private EditorSession Session { get; set; } = null!;
    [Inject] private WorkflowCompiler Compiler { get; set; } = null!;
    [Inject] private RunHub Hub { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;
    [Inject] private IOptions<WorkflowStudio.Api.ApiOptions> ApiOptions { get; set; } = null!;
    [Inject] private StudioAccess Access { get; set; } = null!;

    /// <summary>The canvas diagram to paint the run on (null while the canvas is not ready, or when there is none).</summary>
    [Parameter] public Func<Diagram?>? GetDiagram { get; set; }

    /// <summary>Shown as a close button in the header when set.</summary>
    [Parameter] public EventCallback OnClose { get; set; }

    public string ConversationId => _conversationId;

    public bool IsRunning => _handle is not null;

    private IReadOnlyList<ValidationProblem> Problems => Session.Problems;

    private ConversationSummary Summary => ConversationSummary.Of(_runs, Session.Registry);

    private ConversationSummary LastRunSummary => ConversationSummary.Of(_runs.TakeLast(1), Session.Registry);

    protected override void OnInitialized() => Session.ProblemsChanged += OnProblemsChanged;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive)
        {
            try
            {
                _module = await JS.InvokeAsync<IJSObjectReference>("import", "./Components/Chat/TestChatPanel.razor.js");
                if (_module is not null)
                {
                    _enterHandler = await _module.InvokeAsync<IJSObjectReference>("register", _inputElement);
                }
            }
            catch (JSDisconnectedException)
            {
                // The tab closed while the panel appeared.
            }
        }
        if (_scrollPending && _module is not null)
        {
            _scrollPending = false;
            try
            {
                await _module.InvokeVoidAsync("scrollToEnd", _messagesElement);
            }
            catch (JSDisconnectedException)
            {
            }
        }
    }

    private void OnProblemsChanged() => _ = InvokeAsync(StateHasChanged);

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        if (e.Key == "Enter" && !e.ShiftKey && !IsRunning)
        {
            await SendAsync();
        }
    }

    /// <summary>The published API's question limit: the test chat keeps to it, so what works here works for callers.</summary>
    private int MaxQueryLength => ApiOptions.Value.MaxQueryLength;

    private bool TooLong => _input.Trim().Length > MaxQueryLength;

    /// <summary>Sends the typed question.</summary>
    public async Task SendAsync()
    {
        var query = _input.Trim();
        if (query.Length == 0 || IsRunning || TooLong)
        {
            return;
        }
        _input = "";
        _entries.Add(new ChatEntry(ChatEntry.User, query));
        await StartRunAsync(query);
    }

    /// <summary>Questions to try, offered above the input when the graph searches the sample knowledge base: a question, the
    /// same question put so that the cache gate answers it (other words when the gate matches by meaning, other case and
    /// punctuation when it matches exactly), and a Chinese one.</summary>
    private IReadOnlyList<string> Examples
    {
        get
        {
            var nodes = Session.Graph.Nodes;
            if (!nodes.Any(n => Setting(n, "knowledgeBaseId") == WorkflowEngine.Knowledge.SampleKnowledgeBase.Id))
            {
                return [];
            }
            var semantic = nodes.Any(n => n.Type == NodeRegistry.KeyOf<WorkflowEngine.Nodes.Types.CacheNode>() && Setting(n, "matchMode") == "semantic");
            return ["How do I get a refund?", semantic ? "When will I get my money back?" : "how do I get a REFUND??", "退款要多久？"];
        }
    }

    private static string? Setting(NodeDefinition node, string name) =>
        node.Settings.ValueKind == System.Text.Json.JsonValueKind.Object && node.Settings.TryGetProperty(name, out var value)
            && value.ValueKind == System.Text.Json.JsonValueKind.String
            ? value.GetString()
            : null;

    private async Task AskAsync(string question)
    {
        if (IsRunning)
        {
            return;
        }
        _input = question;
        await SendAsync();
    }

    private async Task RetryAsync(ChatEntry failed)
    {
        if (IsRunning)
        {
            return;
        }
        _entries.Remove(failed);
        await StartRunAsync(failed.Query);
    }

    private async Task StartRunAsync(string query)
    {
        if (!await Access.CanAsync(StudioPermission.Edit))
        {
            // The editor does not offer the chat to viewers; this refuses a run that got here anyway.
            _entries.Add(new ChatEntry(ChatEntry.Bot) { Query = query, Error = "Your role can read this workflow but not try it in the test chat." });
            return;
        }
        // Validate what is on the canvas now, not the last debounced result.
        var problems = Compiler.Compile(Session.Graph).Problems;
        Session.SetProblems(problems);
        if (problems.Count > 0)
        {
            _entries.Add(new ChatEntry(ChatEntry.Bot)
            {
                Query = query,
                Error = $"This workflow cannot run yet: {problems[0].Message}" + (problems.Count > 1 ? $" (and {problems.Count - 1} more)" : ""),
            });
            return;
        }

        var graph = Session.Graph;
        var request = new RunRequest(Session.WorkflowId ?? "unsaved", query) { ConversationId = _conversationId };
        var bot = new ChatEntry(ChatEntry.Bot) { Query = query, RunId = request.RunId, Streaming = true };
        _entries.Add(bot);
        _current = bot;
        _scrollPending = true;
        if (GetDiagram?.Invoke() is { } diagram)
        {
            RunOverlay.Begin(diagram);
            _overlayShown = true;
        }
        _stop = new CancellationTokenSource();
        _subscription = Hub.Subscribe(request.RunId, e => InvokeAsync(() => ApplySafeAsync(bot, e)));
        _handle = Hub.Start(graph, request, graph.Name, _stop.Token, await Access.ActorAsync());
    }

    private async Task ApplySafeAsync(ChatEntry bot, WorkflowEvent e)
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            await ApplyAsync(bot, e);
        }
        catch (Exception ex)
        {
            await DispatchExceptionAsync(ex);
        }
    }

    /// <summary>One engine event: paint the node, stream text, or finish the turn.</summary>
    private async Task ApplyAsync(ChatEntry bot, WorkflowEvent e)
    {
        if (GetDiagram?.Invoke() is { } diagram)
        {
            RunOverlay.Apply(diagram, e);
        }
        switch (e)
        {
            case TokenStreamed t:
                bot.Text += t.Text;
                _scrollPending = true;
                StateHasChanged();
                break;
            case RunCompleted when _handle is { } handle && handle.RunId == e.RunId:
                var run = await handle.Completion;
                bot.Complete(run);
                _runs.Add(run);
                Session.SetLastRun(run);
                EndRun();
                _scrollPending = true;
                StateHasChanged();
                break;
        }
    }

    private void EndRun()
    {
        _subscription?.Dispose();
        _subscription = null;
        _handle = null;
        _current = null;
        // Not disposed: a cancel may still be on its way from the thread pool; the source holds no timer.
        _stop = null;
    }

    /// <summary>Cancels the running question; it ends as "Stopped" and is still recorded.</summary>
    public void Stop() => CancelOffCircuit(_stop);

    /// <summary>Cancellation callbacks run engine and HTTP code inline; keep them off the circuit's thread.</summary>
    private static void CancelOffCircuit(CancellationTokenSource? stop)
    {
        if (stop is null)
        {
            return;
        }
        _ = Task.Run(() =>
        {
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run ended meanwhile.
            }
        });
    }

    /// <summary>Starts a fresh conversation id (the bot forgets earlier turns); a running question is stopped.</summary>
    public Task NewConversationAsync()
    {
        if (_current is { } current)
        {
            CancelOffCircuit(_stop);
            current.Streaming = false;
            current.Stopped = true;
            EndRun();
        }
        _conversationId = NewId();
        _entries.Clear();
        _runs.Clear();
        return Task.CompletedTask;
    }

    private void DismissOverlay()
    {
        if (GetDiagram?.Invoke() is { } diagram)
        {
            RunOverlay.Clear(diagram);
        }
        _overlayShown = false;
    }

    private static string BubbleClass(ChatEntry entry) =>
        entry.IsUser ? "wf-chat-bubble wf-chat-user" : entry.Error is not null ? "wf-chat-bubble wf-chat-bot wf-chat-failed" : "wf-chat-bubble wf-chat-bot";

    private static string? BotState(ChatEntry entry) => entry.IsUser ? null
        : entry.Streaming ? "streaming" : entry.Error is not null ? "failed" : entry.Stopped ? "stopped" : "done";

    private static string NewId() => Guid.NewGuid().ToString("n");

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        Session.ProblemsChanged -= OnProblemsChanged;
        // Only stop watching: a closed tab must not cancel the run, which still ends and is recorded.
        _subscription?.Dispose();
        _subscription = null;
        try
        {
            if (_module is not null)
            {
                await _module.InvokeVoidAsync("unregister", _enterHandler);
                await _module.DisposeAsync();
            }
            if (_enterHandler is not null)
            {
                await _enterHandler.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The tab is closed: the browser took its listeners with it.
        }
    }
}
