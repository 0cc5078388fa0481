using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WorkflowStudio.Providers;

/// <summary>How the ASP.NET Data Protection key ring (which encrypts model providers' keys, sign-in cookies and antiforgery
/// tokens) is kept at rest, bound from <c>DataProtection</c>.</summary>
public sealed class KeyRingOptions
{
    public const string SectionName = "DataProtection";

    /// <summary>A PKCS#12 file (.pfx) holding an RSA certificate with its private key: every key the ring creates is stored
    /// encrypted to it, and read back with it. Unset: keys are stored unencrypted, and Data Protection logs a warning when it
    /// creates one (docs/security.md).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>, when it has one.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The certificate of <see cref="CertificatePath"/>; null when none is configured.</summary>
    /// <exception cref="InvalidOperationException">The file is missing or unreadable, the password is wrong, or the certificate
    /// cannot both encrypt and decrypt keys (no private key, not RSA), with the reason.</exception>
    public X509Certificate2? LoadCertificate()
    {
        if (string.IsNullOrWhiteSpace(CertificatePath))
        {
            return null;
        }

        var path = Path.GetFullPath(CertificatePath);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"DataProtection:CertificatePath names {path}, which does not exist. " +
                "Give the path of the .pfx file that encrypts the key ring, or remove the setting to keep the key ring unencrypted.");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, CertificatePassword);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"DataProtection:CertificatePath: {path} could not be read as a PKCS#12 (.pfx) file " +
                $"with DataProtection:CertificatePassword ({e.Message.TrimEnd('.')}). Check the file's permissions and the password.", e);
        }

        // Encrypting needs the RSA public key, reading the keys back after a restart its private key: a certificate without
        // one would write keys that no later start could read.
        using var privateKey = certificate.GetRSAPrivateKey();
        if (privateKey is null)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"DataProtection:CertificatePath: {path} holds no RSA private key. " +
                "The key ring needs an RSA certificate together with its private key, to encrypt keys and to read them back.");
        }

        return certificate;
    }
}
