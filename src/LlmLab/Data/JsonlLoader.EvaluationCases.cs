using System.Text.Json;
using LlmLab.Evaluation;

namespace LlmLab.Data;

public static partial class JsonlLoader
{
    /// <summary>
    /// Evaluation cases, one a line: <c>{"prediction": "...", "references": ["...", ...]}</c> (other fields are
    /// ignored, blank lines skipped, strings used exactly as given). The one reader of case files: <c>llmlab eval
    /// --input</c> reads with it too. Text is scored, so the prediction must be a string and the references a
    /// non-empty array of strings (a number is refused, not read as its JSON text); a file without cases is an
    /// error. Every problem is a <see cref="DataFormatException"/> naming the file and, where there is one, the line.
    /// </summary>
    public static IEnumerable<EvaluationCase> LoadEvaluationCases(string path, string predictionField = "prediction",
        string referencesField = "references")
    {
        bool any = false;
        foreach (var (line, root) in Objects(path))
        {
            var prediction = Member(path, line, root, predictionField);
            if (prediction.ValueKind != JsonValueKind.String)
                throw new DataFormatException(path, line, $"\"{predictionField}\" must be a string, found {Kind(prediction)}");

            var references = Member(path, line, root, referencesField);
            if (references.ValueKind != JsonValueKind.Array)
                throw new DataFormatException(path, line, $"\"{referencesField}\" must be an array of strings, found {Kind(references)}");
            var list = new List<string>(references.GetArrayLength());
            foreach (var reference in references.EnumerateArray())
            {
                if (reference.ValueKind != JsonValueKind.String)
                    throw new DataFormatException(path, line, $"\"{referencesField}\" must be an array of strings, found {Kind(reference)} in it");
                list.Add(reference.GetString()!);
            }
            if (list.Count == 0) throw new DataFormatException(path, line, "the case has no references");

            any = true;
            yield return new EvaluationCase(prediction.GetString()!, list);
        }
        if (!any) throw new DataFormatException(path, null, "no cases");
    }

    /// <summary>A case's field, or an error that names it and the fields the object does have.</summary>
    private static JsonElement Member(string path, long line, JsonElement root, string field) =>
        root.TryGetProperty(field, out var value)
            ? value
            : throw new DataFormatException(path, line, $"missing \"{field}\" (the object has {Present(root, '"')})");
}
