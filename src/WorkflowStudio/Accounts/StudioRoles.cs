namespace WorkflowStudio.Accounts;

/// <summary>The studio's three roles. Every user has exactly one.</summary>
public static class StudioRoles
{
    /// <summary>Everything: users, model providers, run keys, and all an editor does.</summary>
    public const string Admin = "Admin";

    /// <summary>Workflows, knowledge bases, the test chat, runs and the cache.</summary>
    public const string Editor = "Editor";

    /// <summary>Reads workflows, runs and the cache page; saves nothing and cannot use the test chat.</summary>
    public const string Viewer = "Viewer";

    /// <summary>For <c>[Authorize(Roles = ...)]</c> and <c>&lt;AuthorizeView Roles&gt;</c>: the roles that may change things.</summary>
    public const string EditorsAndAdmins = Admin + "," + Editor;

    public static IReadOnlyList<string> All { get; } = [Admin, Editor, Viewer];

    /// <summary>What the role may do, in the words the Users page shows.</summary>
    public static string Describe(string role) => role switch
    {
        Admin => "Everything, including users, model providers and run keys",
        Editor => "Workflows, knowledge bases, test chat, runs and cache",
        Viewer => "Reads workflows, runs and the cache; changes nothing",
        _ => role,
    };
}
