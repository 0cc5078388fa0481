using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowStudio.Accounts;
using WorkflowTesting;

namespace WorkflowStudio.Tests.Providers;

/// <summary>The Data Protection key ring encrypted at rest with a certificate (<c>DataProtection:CertificatePath</c>), on the
/// real studio with a certificate made by the test.</summary>
public sealed class KeyRingEncryptionTests : IDisposable
{
    private const string Password = "Ring-passw0rd";
    private const string Purpose = "KeyRingEncryptionTests";
    private readonly string _folder = Directory.CreateTempSubdirectory("keyring-").FullName;
    private readonly List<ServiceProvider> _hosts = [];

    public void Dispose()
    {
        _hosts.ForEach(h => h.Dispose());
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Studio_WithACertificate_StoresEveryKeyEncryptedAndOnlyThatCertificateReadsThemBack()
    {
        // Arrange
        var pfx = WriteCertificate("ring.pfx", withPrivateKey: true);
        string ciphertext;
        var keysFolder = Directory.CreateDirectory(Path.Combine(_folder, "keys")).FullName;
        await using (var studio = await StudioServer.StartAsync(Settings(pfx, Password)))
        {
            // Act: the studio protects something, so its ring holds a key; the ring's rows are copied out of its database.
            ciphertext = studio.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("sk-provider-key");
            await using var scope = studio.Services.CreateAsyncScope();
            foreach (var row in await scope.ServiceProvider.GetRequiredService<AccountsDbContext>().DataProtectionKeys.AsNoTracking().ToListAsync())
            {
                await File.WriteAllTextAsync(Path.Combine(keysFolder, row.FriendlyName + ".xml"), row.Xml);
            }
        }

        // Assert: each key's secret is stored as XML encryption to the certificate; no plain master key is left.
        var keys = Directory.GetFiles(keysFolder, "key-*.xml");
        Assert.NotEmpty(keys);
        foreach (var key in keys.Select(XDocument.Load))
        {
            var names = key.Descendants().Select(e => e.Name.LocalName).ToList();
            Assert.Contains("encryptedSecret", names);
            Assert.Contains("EncryptedData", names);
            Assert.Contains("CipherValue", names);
            Assert.DoesNotContain("masterKey", names);
        }

        // A later start reads the ring with the certificate; without it the stored keys are useless.
        Assert.Equal("sk-provider-key", Protector(keysFolder, pfx).Unprotect(ciphertext));
        Assert.ThrowsAny<CryptographicException>(() => Protector(keysFolder, null).Unprotect(ciphertext));
    }

    [Theory]
    [InlineData("missing.pfx", true, Password, "which does not exist")]
    [InlineData("ring.pfx", true, "not-the-password", "could not be read as a PKCS#12 (.pfx) file")]
    [InlineData("public-only.pfx", false, Password, "holds no RSA private key")]
    public async Task Studio_CertificateThatCannotBeUsed_RefusesToStartSayingWhy(string file, bool withPrivateKey, string password, string reason)
    {
        // Arrange
        var pfx = file == "missing.pfx" ? Path.Combine(_folder, file) : WriteCertificate(file, withPrivateKey);

        // Act
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => StudioServer.StartAsync(Settings(pfx, password)));

        // Assert
        var refusal = Assert.IsType<InvalidOperationException>(failed.InnerException);
        Assert.StartsWith("DataProtection:CertificatePath", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(pfx, refusal.Message, StringComparison.Ordinal);
        Assert.Contains(reason, refusal.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Settings(string pfx, string password) => new()
    {
        ["DataProtection:CertificatePath"] = pfx,
        ["DataProtection:CertificatePassword"] = password,
        ["Studio:WarmUp"] = "false",
    };

    /// <summary>A self-signed RSA certificate as a password-protected .pfx file in the test's folder.</summary>
    private string WriteCertificate(string file, bool withPrivateKey)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=WorkflowStudio key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        using var exported = withPrivateKey ? null : X509CertificateLoader.LoadCertificate(certificate.RawData);
        var path = Path.Combine(_folder, file);
        File.WriteAllBytes(path, (exported ?? certificate).Export(X509ContentType.Pkcs12, Password));
        return path;
    }

    /// <summary>What a later start of the studio uses: the same key ring (here from a folder), with or without the certificate.</summary>
    private IDataProtector Protector(string keysFolder, string? pfx)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(pfx is null ? [] : Settings(pfx, Password)).Build();
        services.AddModelProviders(configuration);
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(keysFolder));
        var host = services.BuildServiceProvider();
        _hosts.Add(host);
        return host.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
    }
}
