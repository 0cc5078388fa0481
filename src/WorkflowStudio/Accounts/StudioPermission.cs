namespace WorkflowStudio.Accounts;

/// <summary>What a studio action needs; <see cref="StudioAccess"/> maps it to roles.</summary>
public enum StudioPermission
{
    /// <summary>Any signed-in user (Viewer and up).</summary>
    Read,

    /// <summary>Saving workflows, knowledge bases, the test chat, clearing the cache (Editor and Admin).</summary>
    Edit,

    /// <summary>Users, model providers and run keys (Admin).</summary>
    Administer,
}
