using System.Text.Json;
using LlmLab.Evaluation;

namespace LlmLab.Data;

/// <summary>
/// JSON Lines: one JSON object per line, read a line at a time; blank lines are skipped. Field names are
/// parameters. A line that is not a JSON object, or lacks a requested field, or has one of the wrong type, throws a
/// DataFormatException naming the file and line. Strings are taken as they are; numbers and true/false as their
/// JSON text (so a label 1 reads as "1").
/// </summary>
public static class JsonlLoader
{
    /// <summary>The requested fields of every record; each must be present and a string, number or boolean.</summary>
    public static IEnumerable<DataRecord> Load(string path, params string[] fields)
    {
        if (fields.Length == 0) throw new ArgumentException("jsonl loader: name at least one field", nameof(fields));
        foreach (var (line, root) in Objects(path))
        {
            var values = new Dictionary<string, string>(fields.Length, StringComparer.Ordinal);
            foreach (string field in fields) values[field] = Scalar(path, line, Field(path, line, root, field), field);
            yield return new DataRecord(path, line, values);
        }
    }

    public static IEnumerable<TextPair> LoadPairs(string path, string inputField = "input", string outputField = "output") =>
        Load(path, inputField, outputField).Select(r => new TextPair(r[inputField], r[outputField]));

    public static IEnumerable<string> LoadTexts(string path, string field = "text") => Load(path, field).Select(r => r[field]);

    /// <summary>Predictions with their references; a reference field holds one string or a non-empty array of strings.</summary>
    public static IEnumerable<EvaluationCase> LoadEvaluationCases(string path, string predictionField = "prediction",
        string referencesField = "references")
    {
        foreach (var (line, root) in Objects(path))
        {
            string prediction = Scalar(path, line, Field(path, line, root, predictionField), predictionField);
            var references = Field(path, line, root, referencesField);
            if (references.ValueKind != JsonValueKind.Array)
            {
                yield return new EvaluationCase(prediction, [Scalar(path, line, references, referencesField)]);
                continue;
            }
            if (references.GetArrayLength() == 0)
                throw new DataFormatException(path, line, $"field '{referencesField}' is an empty array");
            var list = new List<string>();
            int i = 0;
            foreach (var item in references.EnumerateArray())
                list.Add(Scalar(path, line, item, $"{referencesField}[{i++}]"));
            yield return new EvaluationCase(prediction, list);
        }
    }

    /// <summary>(line number, root object) of every non-blank line, streamed.</summary>
    private static IEnumerable<(long Line, JsonElement Root)> Objects(string path)
    {
        using var reader = DataFiles.OpenText(path);
        long lineNumber = 0;
        for (string? text; (text = DataFiles.ReadLine(reader, path, lineNumber)) is not null;)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonDocument document;
            try { document = JsonDocument.Parse(text); }
            catch (JsonException e) { throw new DataFormatException(path, lineNumber, $"not valid JSON: {e.Message}", e); }
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    throw new DataFormatException(path, lineNumber, $"expected a JSON object, found {Kind(document.RootElement)}");
                yield return (lineNumber, document.RootElement);
            }
        }
    }

    private static JsonElement Field(string path, long line, JsonElement root, string field)
    {
        if (root.TryGetProperty(field, out var value)) return value;
        var present = root.EnumerateObject().Select(p => $"'{p.Name}'").ToArray();
        throw new DataFormatException(path, line, $"field '{field}' is missing (the object has "
            + (present.Length == 0 ? "no fields" : string.Join(", ", present)) + ")");
    }

    private static string Scalar(string path, long line, JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => throw new DataFormatException(path, line, $"field '{field}' is {Kind(value)}, expected a string"),
    };

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Null => "null",
        _ => "a boolean",
    };
}
