using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;

namespace WorkflowStudio.Accounts;

/// <summary>Thrown when the signed-in user's role does not allow an action: the UI hides such actions, so reaching this means
/// the request went around the UI (or the role changed in another tab).</summary>
public sealed class StudioAccessDeniedException(StudioPermission permission)
    : UnauthorizedAccessException($"Your role does not allow this ({permission}).")
{
    public StudioPermission Permission { get; } = permission;
}

/// <summary>The signed-in user's rights, for the services and pages that change things: they check on the server whatever the
/// UI already hides. Scoped: one per circuit or request.</summary>
public sealed class StudioAccess(AuthenticationStateProvider authentication)
{
    public async Task<ClaimsPrincipal> UserAsync() => (await authentication.GetAuthenticationStateAsync()).User;

    /// <summary>The signed-in user's name as recorded with what they save or run (<see cref="Actors.User"/>).</summary>
    public async Task<string?> ActorAsync() => Actors.User(await UserAsync());

    public async Task<bool> CanAsync(StudioPermission permission) => Allows(await UserAsync(), permission);

    /// <summary>Throws <see cref="StudioAccessDeniedException"/> unless the user may do <paramref name="permission"/>.</summary>
    public async Task DemandAsync(StudioPermission permission)
    {
        if (!await CanAsync(permission))
        {
            throw new StudioAccessDeniedException(permission);
        }
    }

    public static bool Allows(ClaimsPrincipal user, StudioPermission permission) =>
        user.Identity?.IsAuthenticated == true && permission switch
        {
            StudioPermission.Read => user.IsInRole(StudioRoles.Admin) || user.IsInRole(StudioRoles.Editor) || user.IsInRole(StudioRoles.Viewer),
            StudioPermission.Edit => user.IsInRole(StudioRoles.Admin) || user.IsInRole(StudioRoles.Editor),
            StudioPermission.Administer => user.IsInRole(StudioRoles.Admin),
            _ => false,
        };

    /// <summary>The user's role, for display.</summary>
    public static string RoleOf(ClaimsPrincipal user) => StudioRoles.All.FirstOrDefault(user.IsInRole) ?? "no role";
}
