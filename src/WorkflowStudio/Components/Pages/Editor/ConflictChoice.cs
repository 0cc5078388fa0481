namespace WorkflowStudio.Components.Pages.Editor;

public enum ConflictChoice
{
    Reload,
    Overwrite,
}
