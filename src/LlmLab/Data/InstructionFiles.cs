using System.Text.Encodings.Web;
using System.Text.Json;
using LlmLab.IO;

namespace LlmLab.Data;

/// <summary>
/// Instruction items as JSON Lines, one object a line, the format <see cref="JsonlLoader.LoadInstructions"/> reads:
/// <c>{"id": "...", "task": "...", "template": "...", "input": "...", "target": "...", "options": ["...", ...],
/// "metric": "acc" | "exact_match" | "rouge_l"}</c>. <see cref="Save"/> writes every field; a reader needs only
/// "input" and "target". The rules an item must keep are the same for both: a multiple-choice item (one with
/// options) is scored by "acc" and its target is one of its distinct options; an item without options is scored by
/// "exact_match" or "rouge_l".
/// </summary>
public static class InstructionFiles
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Writes the items, one a line, atomically (a reader sees the old file or the whole new one), so that
    /// <c>LoadInstructions(path)</c> gives them back field for field. An item that breaks the rules, or no items at
    /// all (a file the loader refuses), is an ArgumentException and leaves any old file as it was.
    /// </summary>
    public static void Save(string path, IEnumerable<InstructionExample> items) => AtomicFile.Write(path, stream =>
    {
        long count = 0;
        using var json = new Utf8JsonWriter(stream, Options);
        foreach (var item in items)
        {
            count++;
            if (Problem(item) is { } problem)
                throw new ArgumentException($"instruction item {count} ('{item.Id}'): {problem}", nameof(items));
            json.WriteStartObject();
            json.WriteString("id", item.Id);
            json.WriteString("task", item.Task);
            json.WriteString("template", item.Template);
            json.WriteString("input", item.Input);
            json.WriteString("target", item.Target);
            json.WriteStartArray("options");
            foreach (string option in item.Options) json.WriteStringValue(option);
            json.WriteEndArray();
            json.WriteString("metric", MetricName(item.Metric));
            json.WriteEndObject();
            json.Flush();
            stream.WriteByte((byte)'\n');
            json.Reset();
        }
        if (count == 0) throw new ArgumentException("no instruction items to save (the loader refuses an empty file)", nameof(items));
    });

    /// <summary>lm-evaluation-harness's name of a metric: "acc", "exact_match" or "rouge_l".</summary>
    public static string MetricName(InstructionMetric metric) => metric switch
    {
        InstructionMetric.Accuracy => "acc",
        InstructionMetric.ExactMatch => "exact_match",
        InstructionMetric.RougeL => "rouge_l",
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "not an instruction metric"),
    };

    internal static bool TryParseMetric(string name, out InstructionMetric metric)
    {
        foreach (var candidate in Enum.GetValues<InstructionMetric>())
        {
            if (MetricName(candidate) == name)
            {
                metric = candidate;
                return true;
            }
        }
        metric = default;
        return false;
    }

    /// <summary>What is wrong with an item, or null: the rules <see cref="Save"/> and the loader both apply.</summary>
    internal static string? Problem(InstructionExample item)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string option in item.Options)
            if (!seen.Add(option)) return $"the option \"{option}\" appears twice";
        if (item.IsMultipleChoice && item.Metric != InstructionMetric.Accuracy)
            return $"an item with options is scored by \"acc\", not \"{MetricName(item.Metric)}\"";
        if (!item.IsMultipleChoice && item.Metric == InstructionMetric.Accuracy)
            return "metric \"acc\" needs options to choose from";
        if (item.IsMultipleChoice && item.Gold < 0)
            return $"the target \"{item.Target}\" is not one of the options ({string.Join(", ", item.Options.Select(o => $"\"{o}\""))})";
        return null;
    }
}
