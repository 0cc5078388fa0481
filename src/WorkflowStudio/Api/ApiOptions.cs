using System.ComponentModel.DataAnnotations;

namespace WorkflowStudio.Api;

/// <summary>The published HTTP API. Bound from the <c>Api</c> configuration section.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>The shortest admin key the studio starts with: the key guards everything, so it must not be guessable.</summary>
    public const int MinAdminKeyLength = 32;

    public const string AdminKeyTooShort = "Api:AdminKey must be at least 32 characters long (for example the output of 'openssl rand -base64 32'), or unset to turn the management API off.";

    /// <summary>The management key (<c>Authorization: Bearer &lt;key&gt;</c>), at least <see cref="MinAdminKeyLength"/> characters;
    /// a shorter one stops the start. When unset, management endpoints answer 404; workflows can still be run with their run keys.</summary>
    public string? AdminKey { get; set; }

    /// <summary>Longest question accepted by <c>/run</c>, in characters.</summary>
    /// <value>4,000.</value>
    [Range(1, 1_000_000)]
    public int MaxQueryLength { get; set; } = 4_000;

    /// <summary>Largest JSON request body, in bytes (workflow documents, questions).</summary>
    /// <value>1 MiB.</value>
    [Range(1_024, 100 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest knowledge-base upload (JSON or multipart), in bytes.</summary>
    /// <value>20 MiB.</value>
    [Range(1_024, 200 * 1024 * 1024)]
    public int MaxUploadBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Requests one key may make per window on the run endpoints; more get 429 with Retry-After.</summary>
    /// <value>600.</value>
    [Range(1, 10_000_000)]
    public int RateLimitPermits { get; set; } = 600;

    /// <summary>The rate-limit window, in seconds.</summary>
    /// <value>60.</value>
    [Range(1, 86_400)]
    public int RateLimitWindowSeconds { get; set; } = 60;

    /// <summary>Failed key checks (unknown or revoked key) one client address may cause per
    /// <see cref="FailedKeyWindowSeconds"/>; beyond that, every request from the address that needs a key answers 429 with
    /// Retry-After until the window ends, before the key is even looked up.</summary>
    /// <value>10.</value>
    [Range(1, 10_000_000)]
    public int FailedKeyPermits { get; set; } = 10;

    /// <summary>The window of <see cref="FailedKeyPermits"/>, in seconds.</summary>
    /// <value>60.</value>
    [Range(1, 86_400)]
    public int FailedKeyWindowSeconds { get; set; } = 60;

    /// <summary>How long a document upload waits for indexing before answering 202 with a status URL.</summary>
    /// <value>30 seconds.</value>
    [Range(0, 600)]
    public int IndexWaitSeconds { get; set; } = 30;
}
