using Microsoft.AspNetCore.Identity;

namespace WorkflowStudio.Accounts;

/// <summary>A person who signs in to the studio. The user name is the email address; the one role (Admin, Editor or Viewer)
/// is an Identity role.</summary>
public sealed class StudioUser : IdentityUser
{
    /// <value>True when an administrator turned the account off: it cannot sign in, and open sessions end at their next check
    /// (within a minute).</value>
    public bool Disabled { get; set; }

    /// <value>True while the account still has the one-time password an administrator was shown; signing in then leads to the
    /// change-password page first.</value>
    public bool MustChangePassword { get; set; }
}
