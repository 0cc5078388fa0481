namespace WorkflowStudio.Accounts;

/// <summary>Optional single sign-on through an OpenID Connect provider (section <c>Authentication:Oidc</c>, e.g.
/// <c>Authentication__Oidc__Authority</c>). Set <see cref="Authority"/> and <see cref="ClientId"/> to turn it on: the sign-in
/// page then offers "Sign in with <see cref="DisplayName"/>" beside the email form.</summary>
public sealed class SingleSignOnOptions
{
    public const string SectionName = "Authentication:Oidc";

    /// <summary>The authentication scheme, and the login provider name stored with linked accounts.</summary>
    public const string Scheme = "oidc";

    /// <summary>Where the provider sends the browser back with the code; register <c>https://&lt;studio&gt;/signin-oidc</c> with it.</summary>
    public const string CallbackPath = "/signin-oidc";

    /// <value>The provider's issuer URL, e.g. <c>https://login.example.com/realms/team</c>; its
    /// <c>/.well-known/openid-configuration</c> is read at the first sign-in.</value>
    public string? Authority { get; set; }

    /// <value>The studio's client id at the provider.</value>
    public string? ClientId { get; set; }

    /// <value>The client secret (a confidential client using the authorization code flow with PKCE).</value>
    public string? ClientSecret { get; set; }

    /// <value>The id-token claim whose value names the studio role (Admin, Editor or Viewer) of an account created at first
    /// sign-in. Any other value, or no such claim, gives a Viewer. Default <c>role</c>.</value>
    public string RoleClaim { get; set; } = "role";

    /// <value>The provider's name on the sign-in button ("Sign in with …"). Default <c>single sign-on</c>.</value>
    public string DisplayName { get; set; } = "single sign-on";

    /// <value>True (the default) refuses a provider whose metadata is not served over HTTPS. Turn off only for a provider on
    /// this machine (a test provider on http://127.0.0.1).</value>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}
