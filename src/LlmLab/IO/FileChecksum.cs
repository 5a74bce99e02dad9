using System.Security.Cryptography;

namespace LlmLab.IO;

/// <summary>
/// SHA-256 of a file as lower-case hex: what checkpoints and saved models record beside their files, so a file
/// damaged after it was written (a flipped bit, a truncated copy) is refused by name instead of loaded.
/// </summary>
public static class FileChecksum
{
    public static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Checks <paramref name="path"/> against the checksum <paramref name="recordedIn"/> holds for it; a missing
    /// file or a different checksum is a <see cref="DamagedFileException"/> naming both files.
    /// </summary>
    public static void Verify(string path, string expected, string recordedIn)
    {
        if (!File.Exists(path)) throw new DamagedFileException(path, $"{path} is missing ({recordedIn} lists it)");
        string actual = Sha256(path);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            throw new DamagedFileException(path, 
                $"{path} is damaged: its SHA-256 is {actual[..16]}…, {recordedIn} recorded {expected[..Math.Min(16, expected.Length)]}… when it was written");
    }
}
