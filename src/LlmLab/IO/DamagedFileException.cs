namespace LlmLab.IO;

/// <summary>
/// A file is not what was written: its checksum differs from the one recorded beside it, it is gone, or (a
/// checkpoint's state) it no longer reads. Unlike a file that is well formed but wrong for its use, an older copy
/// may serve.
/// </summary>
public sealed class DamagedFileException(string path, string message, Exception? inner = null) : IOException(message, inner)
{
    public string Path { get; } = path;
}
