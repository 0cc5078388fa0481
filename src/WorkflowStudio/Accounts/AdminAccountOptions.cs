namespace WorkflowStudio.Accounts;

/// <summary>The administrator account created at start (section <c>Studio:Admin</c>, e.g. <c>Studio__Admin__Email</c>), instead
/// of the first-start page. Both or neither.</summary>
public sealed class AdminAccountOptions
{
    public const string SectionName = "Studio:Admin";

    /// <value>The administrator's email (their sign-in name). Unset: the first visitor creates the account on the first-start page.</value>
    public string? Email { get; set; }

    /// <value>Their password, under Identity's default rules (6+ characters with upper and lower case, a digit and a symbol).
    /// Used only to create the account when no user has this email; later changes are made in the studio.</value>
    public string? Password { get; set; }

    public bool IsSet => !string.IsNullOrWhiteSpace(Email);
}
