using System.ComponentModel.DataAnnotations;

namespace WorkflowStudio.Components.Pages.Account;

/// <summary>What the sign-in and first-start forms post.</summary>
public sealed class CredentialsInput
{
    [Required(ErrorMessage = "Enter your email.")]
    [EmailAddress(ErrorMessage = "Enter an email address, such as name@example.com.")]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Enter a password.")]
    public string Password { get; set; } = "";
}

/// <summary>What the change-password form posts.</summary>
public sealed class ChangePasswordInput
{
    [Required(ErrorMessage = "Enter your current password.")]
    public string CurrentPassword { get; set; } = "";

    [Required(ErrorMessage = "Enter a new password.")]
    public string NewPassword { get; set; } = "";
}

internal static class AccountRedirects
{
    public const string PasswordRules = "At least 6 characters, with an upper-case and a lower-case letter, a digit and a symbol.";

    /// <summary><paramref name="returnUrl"/> when it points into the studio, otherwise the home page: a sign-in link can never
    /// send someone to another site.</summary>
    public static string LocalOrHome(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.StartsWith("/account/", StringComparison.OrdinalIgnoreCase)
            ? url
            : "/";
}
