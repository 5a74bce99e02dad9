using System.Text;
using System.Text.Json;

namespace LlmLab.Data;

/// <summary>
/// JSON Lines: one JSON object per line of UTF-8, read a line at a time; blank lines are skipped. Field names are
/// parameters. A line that is not valid UTF-8, not a JSON object, or lacks a requested field, or has one of the wrong
/// type, throws a DataFormatException naming the file and line. Strings are taken as they are; numbers and
/// true/false as their JSON text (so a label 1 reads as "1"). Evaluation cases (JsonlLoader.EvaluationCases.cs)
/// follow stricter rules of their own.
/// </summary>
public static partial class JsonlLoader
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

    /// <summary>(line number, root object) of every non-blank line, streamed.</summary>
    private static IEnumerable<(long Line, JsonElement Root)> Objects(string path)
    {
        foreach (var (lineNumber, text) in DataFiles.Lines(path))
        {
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonDocument document;
            try { document = JsonDocument.Parse(text); }
            catch (JsonException e)
            {
                throw new DataFormatException(path, lineNumber,
                    $"malformed JSON at character {CharacterPosition(text, e.BytePositionInLine)}: {FirstSentence(e.Message)}", e);
            }
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    throw new DataFormatException(path, lineNumber, $"expected a JSON object, found {Kind(document.RootElement)}");
                yield return (lineNumber, document.RootElement);
            }
        }
    }

    /// <summary>The 1-based character position of a UTF-8 byte offset into the line (what an editor shows).</summary>
    private static long CharacterPosition(string line, long? byteOffset)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        int offset = (int)Math.Clamp(byteOffset ?? 0, 0, bytes.Length);
        return Encoding.UTF8.GetCharCount(bytes, 0, offset) + 1;
    }

    /// <summary>System.Text.Json appends " LineNumber: 0 | BytePositionInLine: n." (positions within the one-line document): drop it.</summary>
    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).Trim();
    }

    private static JsonElement Field(string path, long line, JsonElement root, string field) =>
        root.TryGetProperty(field, out var value)
            ? value
            : throw new DataFormatException(path, line, $"field '{field}' is missing (the object has {Present(root, '\'')})");

    /// <summary>"'a', 'b'" or "no fields": what a line's object does have, for a missing-field message.</summary>
    private static string Present(JsonElement root, char quote)
    {
        var names = root.EnumerateObject().Select(p => $"{quote}{p.Name}{quote}").ToArray();
        return names.Length == 0 ? "no fields" : string.Join(", ", names);
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
