using System.Security.Cryptography;

namespace WorkflowEngine.Execution;

/// <summary>Unguessable ids for runs and conversations: 128 random bits from the cryptographic generator, as 32 lower-case hex
/// digits (the shape of <c>Guid.ToString("n")</c>). A conversation id is what lets a caller continue a conversation, so it
/// must not be predictable. The random bytes are drawn in blocks per thread: <see cref="Guid.NewGuid"/> read
/// <c>/dev/urandom</c> with a system call per id, three per API answer (bench/ApiLoad profile).</summary>
public static class RandomIds
{
    private const int IdBytes = 16;
    private const int BlockBytes = IdBytes * 64;

    [ThreadStatic]
    private static byte[]? t_block;
    [ThreadStatic]
    private static int t_used;

    public static string New()
    {
        var block = t_block ??= new byte[BlockBytes];
        if (t_used == 0 || t_used == BlockBytes)
        {
            RandomNumberGenerator.Fill(block);
            t_used = 0;
        }
        var id = Convert.ToHexStringLower(block.AsSpan(t_used, IdBytes));
        // Each id's bytes are handed out once.
        block.AsSpan(t_used, IdBytes).Clear();
        t_used += IdBytes;
        return id;
    }
}
