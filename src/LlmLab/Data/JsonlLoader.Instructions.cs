using System.Text.Json;

namespace LlmLab.Data;

public static partial class JsonlLoader
{
    /// <summary>
    /// Instruction items, one object a line (the format <see cref="InstructionFiles.Save"/> writes), for bringing
    /// your own tasks: <c>{"input": "...", "target": "..."}</c> are required strings; optional are "options" (an
    /// array of strings; absent or [] makes a generation item), "metric" ("acc", "exact_match" or "rouge_l"; by
    /// default "acc" with options and "exact_match" without), "id" (a string or number; by default
    /// "{file name}-{line}"), "task" and "template" (by default "default"). A null optional field counts as absent;
    /// other fields are ignored and blank lines skipped. A multiple-choice item's target must be one of its distinct
    /// options, and it must be scored by "acc"; a file without items is an error. Every problem is a
    /// <see cref="DataFormatException"/> naming the file and, where there is one, the line.
    /// </summary>
    public static IEnumerable<InstructionExample> LoadInstructions(string path)
    {
        bool any = false;
        string file = Path.GetFileName(path);
        foreach (var (line, root) in Objects(path))
        {
            string input = Text(path, line, Member(path, line, root, "input"), "input");
            string target = Text(path, line, Member(path, line, root, "target"), "target");
            string id = Optional(root, "id") is { } idValue
                ? idValue.ValueKind == JsonValueKind.Number ? idValue.GetRawText() : Text(path, line, idValue, "id")
                : $"{file}-{line}";
            string task = Optional(root, "task") is { } taskValue ? Text(path, line, taskValue, "task") : "default";
            string template = Optional(root, "template") is { } templateValue ? Text(path, line, templateValue, "template") : "default";
            IReadOnlyList<string> options = Optional(root, "options") is { } optionsValue ? Texts(path, line, optionsValue, "options") : [];
            var metric = options.Count > 0 ? InstructionMetric.Accuracy : InstructionMetric.ExactMatch;
            if (Optional(root, "metric") is { } metricValue)
            {
                string name = Text(path, line, metricValue, "metric");
                if (!InstructionFiles.TryParseMetric(name, out metric))
                    throw new DataFormatException(path, line, $"\"metric\" must be \"acc\", \"exact_match\" or \"rouge_l\", found \"{name}\"");
            }
            var item = new InstructionExample(id, task, template, input, target, options, metric);
            if (InstructionFiles.Problem(item) is { } problem) throw new DataFormatException(path, line, problem);
            any = true;
            yield return item;
        }
        if (!any) throw new DataFormatException(path, null, "no items");
    }

    /// <summary>An optional field's value, or null when it is absent or JSON null.</summary>
    private static JsonElement? Optional(JsonElement root, string field) =>
        root.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string Text(string path, long line, JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new DataFormatException(path, line, $"\"{field}\" must be a string, found {Kind(value)}");

    private static string[] Texts(string path, long line, JsonElement value, string field)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw new DataFormatException(path, line, $"\"{field}\" must be an array of strings, found {Kind(value)}");
        var texts = new string[value.GetArrayLength()];
        int i = 0;
        foreach (var element in value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.String)
                throw new DataFormatException(path, line, $"\"{field}\" must be an array of strings, found {Kind(element)} in it");
            texts[i++] = element.GetString()!;
        }
        return texts;
    }
}
