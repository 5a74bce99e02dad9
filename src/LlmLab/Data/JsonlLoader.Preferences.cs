using System.Text.Json;

namespace LlmLab.Data;

public static partial class JsonlLoader
{
    /// <summary>
    /// Preference pairs in trl's standard format, one object a line (the format <see cref="PreferenceFiles.Save"/>
    /// writes), for bringing your own: <c>{"prompt": "...", "chosen": "...", "rejected": "..."}</c> are required
    /// strings, taken exactly as given (a completion follows the prompt directly, so keep its leading space);
    /// optional are "id" (a string or number; by default "{file name}-{line}") and "flaw" (a string; by default ""
    /// for unknown). A null optional field counts as absent; other fields are ignored and blank lines skipped. The
    /// completions must not be empty or the same text; a file without pairs is an error. Every problem is a
    /// <see cref="DataFormatException"/> naming the file and, where there is one, the line.
    /// </summary>
    public static IEnumerable<PreferenceExample> LoadPreferences(string path)
    {
        bool any = false;
        string file = Path.GetFileName(path);
        foreach (var (line, root) in Objects(path))
        {
            string prompt = Text(path, line, Member(path, line, root, "prompt"), "prompt");
            string chosen = Text(path, line, Member(path, line, root, "chosen"), "chosen");
            string rejected = Text(path, line, Member(path, line, root, "rejected"), "rejected");
            string id = Optional(root, "id") is { } idValue
                ? idValue.ValueKind == JsonValueKind.Number ? idValue.GetRawText() : Text(path, line, idValue, "id")
                : $"{file}-{line}";
            string flaw = Optional(root, "flaw") is { } flawValue
                ? Text(path, line, flawValue, "flaw")
                : PreferenceFlaw.Unknown;
            if (PreferenceFiles.Problem(chosen, rejected) is { } problem)
                throw new DataFormatException(path, line, problem);
            any = true;
            yield return new PreferenceExample(id, prompt, chosen, rejected, flaw);
        }
        if (!any) throw new DataFormatException(path, null, "no pairs");
    }
}
