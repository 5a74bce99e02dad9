using System.Text.Encodings.Web;
using System.Text.Json;
using LlmLab.IO;

namespace LlmLab.Tokenizers;

/// <summary>
/// tokenizer.json beside the model: a small JSON object whose "kind" says which tokenizer wrote it. Written
/// atomically (a temporary file in the same folder, then a rename), so a crash never leaves half a file.
/// </summary>
internal static class TokenizerFile
{
    public const string FileName = "tokenizer.json";
    public const int Version = 1;

    public static void Write(string folder, Action<Utf8JsonWriter> writeFields)
    {
        AtomicFile.Write(Path.Combine(folder, FileName), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            json.WriteStartObject();
            writeFields(json);
            json.WriteEndObject();
        });
    }

    /// <summary>The parsed file; any failure (missing, unreadable, not JSON, not an object) names the file.</summary>
    public static JsonDocument Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerFileException(path, $"cannot read the tokenizer file ({e.Message})", e);
        }
        JsonDocument document;
        try { document = JsonDocument.Parse(bytes); }
        catch (JsonException e) { throw new TokenizerFileException(path, $"not valid JSON ({e.Message})", e); }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new TokenizerFileException(path, "expected a JSON object with a \"kind\"");
        }
        return document;
    }

    /// <summary>Checks that the object has exactly the expected keys (unknown keys fail fast) and the version.</summary>
    public static void CheckFields(JsonElement root, string path, params string[] expected)
    {
        foreach (var property in root.EnumerateObject())
            if (!expected.Contains(property.Name))
                throw new TokenizerFileException(path, $"unknown key \"{property.Name}\" (expected {string.Join(", ", expected)})");
        foreach (string key in expected)
            if (!root.TryGetProperty(key, out _))
                throw new TokenizerFileException(path, $"missing key \"{key}\"");
        if (Int(root, "version", path) != Version)
            throw new TokenizerFileException(path, $"unsupported version {root.GetProperty("version")} (this build reads version {Version})");
    }

    public static string String(JsonElement root, string key, string path) =>
        root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new TokenizerFileException(path, $"\"{key}\" must be a string");

    public static int Int(JsonElement root, string key, string path) =>
        root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number)
            ? number
            : throw new TokenizerFileException(path, $"\"{key}\" must be an integer");
}
