using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace WorkflowStudio.Accounts;

/// <summary>
/// Brings a key ring kept in a folder (<c>keys</c> beside the SQLite file, or <c>App_Data/keys</c> on PostgreSQL: where studios
/// before the key ring moved into the database wrote it) into the database, once: only while the database holds no key, so a
/// key made since is never mixed with old files, and a second instance finds the work done. Without it, the model providers'
/// keys saved before the upgrade, and every signed-in session, would no longer decrypt.
/// </summary>
internal sealed class LegacyKeyRingImport(string? folder, ILogger<LegacyKeyRingImport> logger)
{
    /// <summary>Copies every XML file of the folder (keys and revocations, as Data Protection's file repository wrote them)
    /// into <paramref name="db"/>'s key ring when that holds none; returns how many. Run it under the database's start-up lock.</summary>
    public async Task<int> ImportAsync(AccountsDbContext db, CancellationToken cancellationToken = default)
    {
        if (folder is null || !Directory.Exists(folder) || await db.DataProtectionKeys.AnyAsync(cancellationToken))
        {
            return 0;
        }
        var files = Directory.GetFiles(folder, "*.xml").Order(StringComparer.Ordinal).ToList();
        foreach (var file in files)
        {
            XElement element;
            try
            {
                element = XElement.Load(file);
            }
            catch (XmlException ex)
            {
                throw new InvalidOperationException(
                    $"The key ring file {file} is not valid XML ({ex.Message.TrimEnd('.')}), so the key ring in {folder} cannot be moved into the database. " +
                    "Restore the file from a backup, or remove it if the key it held is not needed.", ex);
            }
            // As Data Protection's own Entity Framework repository stores an element: the file name is the friendly name.
            db.DataProtectionKeys.Add(new DataProtectionKey
            {
                FriendlyName = Path.GetFileNameWithoutExtension(file),
                Xml = element.ToString(SaveOptions.DisableFormatting),
            });
        }
        if (files.Count > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            Log.KeyRingImported(logger, files.Count, folder);
        }
        return files.Count;
    }
}
