using System.Text;

namespace LlmLab.Tests.Data;

/// <summary>A fresh temporary directory for loader tests, deleted on dispose.</summary>
public sealed class TempFiles : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("llmlab-data-").FullName;

    /// <summary>Writes the text as UTF-8 without a byte-order mark and returns the path.</summary>
    public string Write(string name, string text) => WriteBytes(name, new UTF8Encoding(false).GetBytes(text));

    public string WriteBytes(string name, byte[] bytes)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
