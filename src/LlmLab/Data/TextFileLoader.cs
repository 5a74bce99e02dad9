using System.Text;

namespace LlmLab.Data;

/// <summary>How a plain-text file is cut into documents.</summary>
public enum TextDocuments
{
    /// <summary>The whole file is one document.</summary>
    WholeFile,

    /// <summary>Each run of non-blank lines is a document; blank (or whitespace-only) lines separate them.</summary>
    Paragraphs,
}

/// <summary>Plain-text documents from UTF-8 files, streamed line by line; line endings become "\n", and
/// empty documents are skipped.</summary>
public static class TextFileLoader
{
    public static IEnumerable<string> Load(string path, TextDocuments documents = TextDocuments.WholeFile)
    {
        using var reader = DataFiles.OpenText(path);
        var current = new StringBuilder();
        var blankRun = new StringBuilder();
        long lines = 0;
        for (string? line; (line = DataFiles.ReadLine(reader, path, lines)) is not null; lines++)
        {
            bool blank = string.IsNullOrWhiteSpace(line);
            if (documents == TextDocuments.Paragraphs && blank)
            {
                if (current.Length > 0) yield return current.ToString();
                current.Clear();
                continue;
            }
            if (blank && current.Length == 0) continue;  // leading blank lines of a whole file
            if (blank) { blankRun.Append('\n'); continue; }  // kept only if more text follows
            if (current.Length > 0) current.Append('\n').Append(blankRun);
            blankRun.Clear();
            current.Append(line);
        }
        if (current.Length > 0) yield return current.ToString();
    }

    /// <summary>
    /// The lines of a UTF-8 file, streamed ("\n" or "\r\n" ends a line; a byte-order mark is skipped). A line that is
    /// not valid UTF-8 is a <see cref="DataFormatException"/> naming the file and that line.
    /// </summary>
    public static IEnumerable<string> Lines(string path) => DataFiles.Lines(path).Select(line => line.Text);

    /// <summary>The documents of every file in a directory matching the pattern, files in ordinal name order.</summary>
    public static IEnumerable<string> LoadDirectory(string directory, string pattern = "*.txt",
        TextDocuments documents = TextDocuments.WholeFile, bool recursive = false)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"text loader: no directory '{directory}'");
        var files = Directory.GetFiles(directory, pattern, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly);
        Array.Sort(files, StringComparer.Ordinal);
        return files.SelectMany(file => Load(file, documents));
    }
}
