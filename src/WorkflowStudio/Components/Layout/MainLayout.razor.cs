using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace WorkflowStudio.Components.Layout;

public partial class MainLayout
{
    /// <summary>Pages put their own buttons into the app bar with <c>&lt;SectionContent SectionName="@MainLayout.AppBarSection"&gt;</c>.</summary>
    public const string AppBarSection = "studio-app-bar";

    private MudThemeProvider? _themeProvider;
    private ErrorBoundary? _errorBoundary;
    private bool _isDarkMode;
    private bool _drawerOpen = true;
    private bool? _onEditor;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    protected override void OnParametersSet()
    {
        // A new page (navigation) gets a fresh start after an error on the previous one.
        _errorBoundary?.Recover();
        // The workflow editor needs the width for its canvas: it starts with the drawer closed, other pages with it open.
        var onEditor = Navigation.ToBaseRelativePath(Navigation.Uri).Split('?', '#')[0].Trim('/').Split('/') is ["workflows", { Length: > 0 }];
        if (onEditor != _onEditor)
        {
            _onEditor = onEditor;
            _drawerOpen = !onEditor;
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && _themeProvider is not null)
        {
            _isDarkMode = await _themeProvider.GetSystemDarkModeAsync();
            if (_isDarkMode)
            {
                StateHasChanged();
            }
        }
    }

    private void ToggleDrawer() => _drawerOpen = !_drawerOpen;

    private void ToggleDarkMode() => _isDarkMode = !_isDarkMode;

    private void Recover() => _errorBoundary?.Recover();
}
