using System.Text.Json;

namespace LlmLab.Data;

public static partial class JsonlLoader
{
    /// <summary>
    /// Instruction items, one a line: <c>{"id", "task", "template", "input", "target", "options": [...], "metric"}</c>.
    /// "input" and "target" are required strings; "id" defaults to "{file name}-{line}", "task" and "template" to
    /// "default"; "options" (an array of strings) makes a multiple-choice item, whose target must be one of them;
    /// "metric" is "acc", "exact_match" or "rouge_l", by default "acc" with options and "exact_match" without
    /// ("acc" needs options, the other two refuse them). Other fields are ignored, a null field counts as absent,
    /// blank lines are skipped. Every problem is a <see cref="DataFormatException"/> naming the file and line; a file
    /// without items is one too.
    /// </summary>
    public static IEnumerable<InstructionExample> LoadInstructions(string path)
    {
        string fileName = Path.GetFileName(path);
        bool any = false;
        foreach (var (line, root) in Objects(path))
        {
            string input = RequiredString(path, line, root, "input");
            string target = RequiredString(path, line, root, "target");
            string id = OptionalString(path, line, root, "id") ?? $"{fileName}-{line}";
            string task = OptionalString(path, line, root, "task") ?? "default";
            string template = OptionalString(path, line, root, "template") ?? "default";
            var options = InstructionOptions(path, line, root);
            string? metricName = OptionalString(path, line, root, "metric");
            var metric = metricName is null
                ? options.Count > 0 ? InstructionMetric.Accuracy : InstructionMetric.ExactMatch
                : ParseMetric(path, line, metricName);
            if (metric == InstructionMetric.Accuracy && options.Count == 0)
                throw new DataFormatException(path, line, "metric \"acc\" scores options: the item has no \"options\"");
            if (metric != InstructionMetric.Accuracy && options.Count > 0)
                throw new DataFormatException(path, line, $"metric \"{metricName}\" scores generated text: drop \"options\" or use \"acc\"");
            if (options.Count > 0 && !options.Contains(target, StringComparer.Ordinal))
                throw new DataFormatException(path, line, $"the target \"{target}\" is not one of the options");
            any = true;
            yield return new InstructionExample(id, task, template, input, target, options, metric);
        }
        if (!any) throw new DataFormatException(path, null, "no items");
    }

    private static InstructionMetric ParseMetric(string path, long line, string name) => name switch
    {
        "acc" => InstructionMetric.Accuracy,
        "exact_match" => InstructionMetric.ExactMatch,
        "rouge_l" => InstructionMetric.RougeL,
        _ => throw new DataFormatException(path, line, $"unknown metric \"{name}\" (choose acc, exact_match or rouge_l)"),
    };

    private static string RequiredString(string path, long line, JsonElement root, string field)
    {
        var value = Member(path, line, root, field);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new DataFormatException(path, line, $"\"{field}\" must be a string, found {Kind(value)}");
    }

    private static string? OptionalString(string path, long line, JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new DataFormatException(path, line, $"\"{field}\" must be a string, found {Kind(value)}");
    }

    private static IReadOnlyList<string> InstructionOptions(string path, long line, JsonElement root)
    {
        if (!root.TryGetProperty("options", out var value) || value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind != JsonValueKind.Array)
            throw new DataFormatException(path, line, $"\"options\" must be an array of strings, found {Kind(value)}");
        var options = new List<string>(value.GetArrayLength());
        foreach (var option in value.EnumerateArray())
        {
            if (option.ValueKind != JsonValueKind.String)
                throw new DataFormatException(path, line, $"\"options\" must be an array of strings, found {Kind(option)} in it");
            options.Add(option.GetString()!);
        }
        if (options.Count == 0) throw new DataFormatException(path, line, "\"options\" is empty (leave it out for a generation item)");
        return options;
    }
}
