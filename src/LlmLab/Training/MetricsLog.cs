using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmLab.IO;

namespace LlmLab.Training;

/// <summary>
/// metrics.jsonl: one JSON object per line, <c>{"step": 10, "train_loss": 2.31, ...}</c>, appended and flushed
/// line by line so a crash loses at most the line being written. A resumed trainer first drops its own lines after
/// its checkpoint's step (written after the checkpoint by the run that died), so the file reads as one clean run.
/// </summary>
public sealed class MetricsLog(string path)
{
    public const string FileName = "metrics.jsonl";

    public string Path { get; } = path;

    public void Append(int step, params (string Name, double Value)[] values)
    {
        var line = new StringBuilder("{\"step\": ").Append(step.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in values)
        {
            line.Append(", ").Append(JsonSerializer.Serialize(name)).Append(": ");
            // JSON has no NaN or infinity: write null so a diverged step is still one valid line.
            line.Append(double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "null");
        }
        line.Append("}\n");
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(Encoding.UTF8.GetBytes(line.ToString()));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Drops the lines after <paramref name="step"/> that carry one of <paramref name="names"/> (a trainer's own
    /// lines; those of other writers stay), and any half-written line.
    /// </summary>
    public void TruncateAfter(int step, params string[] names)
    {
        if (!File.Exists(Path)) return;
        var kept = new StringBuilder();
        foreach (string line in File.ReadLines(Path))
        {
            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                bool ours = names.Any(n => root.TryGetProperty(n, out _));
                bool after = root.TryGetProperty("step", out var s) && s.TryGetInt64(out long value) && value > step;
                if (!(ours && after)) kept.Append(line).Append('\n');
            }
            catch (JsonException)
            {
                // a line cut off by the crash: dropped
            }
        }
        AtomicFile.WriteAllText(Path, kept.ToString());
    }
}
