using System.Security.Claims;

namespace WorkflowStudio.Accounts;

/// <summary>The names stored as who saved a workflow version or started a run, and shown as such in the version history and
/// on the Runs pages: a studio user's name (their email), a run key by its first characters, or the API's admin key. Stored as
/// text, not as a user id, so the record still says who it was after the account or key is deleted.</summary>
public static class Actors
{
    public const string AdminApiKey = "Admin API key";

    /// <summary>A run key, by the prefix its workflow's API access page lists it with.</summary>
    public static string RunKey(string prefix) => $"API key {prefix}";

    /// <summary>The signed-in user's name, or null when nobody is signed in (start-up work, such as the preloaded sample).</summary>
    public static string? User(ClaimsPrincipal user) => user.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : null;
}
