using System.Text;

namespace LlmLab.IO;

/// <summary>
/// Writes a crash cannot leave half done: the content goes to a temporary file in the same folder (so the rename
/// stays on one file system), is flushed to disk, then replaces the target in one rename; a reader - or a run
/// resumed after a crash - sees the old file or the complete new one. Appends flush each line, so a killed run
/// loses at most the line it was writing.
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static void Write(string path, Action<Stream> write)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        // The process id and a random part keep two writers of the same file from sharing a temporary name.
        string temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>
    /// Deletes the temporary files that writes a crash cut short left in <paramref name="folder"/> and below (only
    /// names of this class's pattern, ".NAME.PID.GUID.tmp"). For a folder no live process is writing to: a resumed run's.
    /// </summary>
    public static void RemoveLeftovers(string folder)
    {
        if (!Directory.Exists(folder)) return;
        foreach (string file in Directory.EnumerateFiles(folder, ".*.tmp", SearchOption.AllDirectories))
            if (Leftover.IsMatch(Path.GetFileName(file))) File.Delete(file);
    }

    private static readonly System.Text.RegularExpressions.Regex Leftover = new(@"^\..+\.\d+\.[0-9a-f]{32}\.tmp$");

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Utf8.GetBytes(text));

    /// <summary>Appends one line (a '\n' is added) and flushes it to the operating system before returning.</summary>
    public static void AppendLine(string path, string line)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        stream.Write(Utf8.GetBytes(line + "\n"));
        stream.Flush();
    }
}
