using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmLab.IO;

namespace LlmLab.Experiments;

/// <summary>One numeric field of metrics.jsonl over the steps: (step, value) pairs in ascending step order.</summary>
public sealed record MetricSeries(string Name, IReadOnlyList<(long Step, double Value)> Points)
{
    public double Final => Points[^1].Value;
    public long FinalStep => Points[^1].Step;
}

/// <summary>
/// metrics.jsonl: one JSON object a line, <c>{"step": 10, "train_loss": 2.31, "lr": 0.001}</c>; every numeric field
/// other than "step" is a series. Lines are appended and flushed one at a time. Reading keeps the last value written
/// for a step, so a resumed run that repeats steps after its checkpoint overwrites what the interrupted one wrote,
/// and skips a line a killed process left half written.
/// </summary>
public static class MetricsLog
{
    public static string FormatLine(long step, IEnumerable<KeyValuePair<string, double>> values)
    {
        var line = new StringBuilder("{\"step\": ").Append(step.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in values)
        {
            if (name == "step") throw new ArgumentException("\"step\" is the step number, not a metric", nameof(values));
            line.Append(", ").Append(JsonSerializer.Serialize(name)).Append(": ");
            // JSON has no NaN or infinity; a diverged loss is still worth keeping, as a string.
            line.Append(double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : JsonSerializer.Serialize(value.ToString(CultureInfo.InvariantCulture)));
        }
        return line.Append('}').ToString();
    }

    public static void Append(string path, long step, IEnumerable<KeyValuePair<string, double>> values) =>
        AtomicFile.AppendLine(path, FormatLine(step, values));

    /// <summary>Every series in the file, in the order their names first appear; empty when there is no file.</summary>
    public static IReadOnlyList<MetricSeries> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var series = new Dictionary<string, SortedDictionary<long, double>>();
        var order = new List<string>();
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument document;
            try { document = JsonDocument.Parse(line); }
            catch (JsonException) { continue; }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("step", out var stepElement)
                    || !stepElement.TryGetInt64(out long step)) continue;
                foreach (var field in root.EnumerateObject())
                {
                    if (field.Name == "step" || !TryNumber(field.Value, out double value)) continue;
                    if (!series.TryGetValue(field.Name, out var points))
                    {
                        series[field.Name] = points = new SortedDictionary<long, double>();
                        order.Add(field.Name);
                    }
                    points[step] = value;
                }
            }
        }
        return [.. order.Select(name => new MetricSeries(name, [.. series[name].Select(p => (p.Key, p.Value))]))];
    }

    private static bool TryNumber(JsonElement element, out double value)
    {
        value = 0;
        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetDouble(out value),
            JsonValueKind.String => element.GetString() is "NaN" or "Infinity" or "-Infinity"
                && double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }
}
