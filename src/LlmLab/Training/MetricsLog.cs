using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmLab.IO;

namespace LlmLab.Training;

/// <summary>
/// metrics.jsonl, the one codec for it: one JSON object a line, <c>{"step": 10, "train_loss": 2.31, "lr": 0.001}</c>;
/// every numeric field other than "step" is a series. JSON has no NaN or infinity, so those are written as the
/// strings "NaN", "Infinity" and "-Infinity" (a diverged loss is a value worth keeping); reading also takes null,
/// which older trainers wrote for any of them, as NaN. Lines are appended and flushed one at a time, so a killed
/// process loses at most the line it was writing; reading skips such a half-written line and keeps the last value
/// written for a step. A resumed trainer first drops its own lines after its checkpoint's step
/// (<see cref="TruncateAfter"/>), so the file reads as one clean run.
/// </summary>
public sealed class MetricsLog(string path)
{
    public const string FileName = "metrics.jsonl";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public string Path { get; } = path;

    public void Append(long step, params (string Name, double Value)[] values) =>
        Append(step, values.Select(v => KeyValuePair.Create(v.Name, v.Value)));

    public void Append(long step, IEnumerable<KeyValuePair<string, double>> values)
    {
        string line = FormatLine(step, values);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        using var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        // A line a killed writer left unfinished stays on a line of its own (and is skipped) instead of swallowing this one.
        bool cutOff = stream.Length > 0 && LastByte(stream) != '\n';
        stream.Seek(0, SeekOrigin.End);
        stream.Write(Utf8.GetBytes((cutOff ? "\n" : "") + line + "\n"));
        stream.Flush(flushToDisk: true);
    }

    public static string FormatLine(long step, IEnumerable<KeyValuePair<string, double>> values)
    {
        var line = new StringBuilder("{\"step\": ").Append(step.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in values)
        {
            if (name == "step") throw new ArgumentException("\"step\" is the step number, not a metric", nameof(values));
            line.Append(", ").Append(JsonSerializer.Serialize(name)).Append(": ").Append(FormatValue(value));
        }
        return line.Append('}').ToString();
    }

    /// <summary>A finite value as a JSON number ("R": it reads back to the same double); NaN and infinities as strings.</summary>
    public static string FormatValue(double value) =>
        double.IsFinite(value)
            ? value.ToString("R", CultureInfo.InvariantCulture)
            : "\"" + value.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>Every series in the file, in the order their names first appear; empty when there is no file.</summary>
    public static IReadOnlyList<MetricSeries> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var series = new Dictionary<string, SortedDictionary<long, double>>();
        var order = new List<string>();
        foreach (string line in File.ReadLines(path))
        {
            if (!TryParseLine(line, out long step, out var values)) continue;
            foreach (var (name, value) in values)
            {
                if (!series.TryGetValue(name, out var points))
                {
                    series[name] = points = new SortedDictionary<long, double>();
                    order.Add(name);
                }
                points[step] = value;
            }
        }
        return [.. order.Select(name => new MetricSeries(name, [.. series[name].Select(p => (p.Key, p.Value))]))];
    }

    /// <summary>One line's step and values; false for a blank, half-written or stepless line.</summary>
    public static bool TryParseLine(string line, out long step, out IReadOnlyList<KeyValuePair<string, double>> values)
    {
        step = 0;
        values = [];
        if (string.IsNullOrWhiteSpace(line)) return false;
        JsonDocument document;
        try { document = JsonDocument.Parse(line); }
        catch (JsonException) { return false; }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("step", out var stepElement)
                || !stepElement.TryGetInt64(out step)) return false;
            var parsed = new List<KeyValuePair<string, double>>();
            foreach (var field in root.EnumerateObject())
                if (field.Name != "step" && TryValue(field.Value, out double value)) parsed.Add(KeyValuePair.Create(field.Name, value));
            values = parsed;
            return true;
        }
    }

    /// <summary>
    /// Drops the lines after <paramref name="step"/> that carry one of <paramref name="names"/> (a trainer's own lines;
    /// those of other writers stay), and any half-written line. A step of -1 drops all of them: a trainer that starts
    /// over with no checkpoint writes its step 0 again.
    /// </summary>
    public void TruncateAfter(long step, params string[] names)
    {
        if (!File.Exists(Path)) return;
        var kept = new StringBuilder();
        foreach (string line in File.ReadLines(Path))
        {
            if (!TryParseLine(line, out long lineStep, out var values)) continue;
            bool ours = values.Any(v => names.Contains(v.Key));
            if (!(ours && lineStep > step)) kept.Append(line).Append('\n');
        }
        AtomicFile.WriteAllText(Path, kept.ToString());
    }

    private static bool TryValue(JsonElement element, out double value)
    {
        value = double.NaN;
        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetDouble(out value),
            JsonValueKind.String => element.GetString() is "NaN" or "Infinity" or "-Infinity"
                && double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value),
            JsonValueKind.Null => true,   // an older trainer's non-finite value
            _ => false,
        };
    }

    private static int LastByte(FileStream stream)
    {
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte();
    }
}
