using System.Globalization;
using LlmLab.IO;

namespace LlmLab.Experiments;

/// <summary>
/// log.txt with a UTC time on each line, and the console where there is one. Details (stack traces) go to the
/// file only: the console gets one line per event.
/// </summary>
public sealed class RunLog(string path, Action<string>? console)
{
    private readonly Lock _gate = new();

    public string Path { get; } = path;

    /// <summary>To the console (indented under the step's line) and to log.txt.</summary>
    public void Write(string message)
    {
        lock (_gate)
        {
            console?.Invoke("  " + message);
            ToFile(message);
        }
    }

    /// <summary>To log.txt only: what a person reads when the one console line was not enough.</summary>
    public void Detail(string message)
    {
        lock (_gate) ToFile(message);
    }

    private void ToFile(string message)
    {
        string time = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        string text = string.Join("\n", message.Split('\n').Select((line, i) => i == 0 ? $"{time} {line.TrimEnd('\r')}" : "    " + line.TrimEnd('\r')));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        AtomicFile.AppendLine(Path, text);
    }
}
