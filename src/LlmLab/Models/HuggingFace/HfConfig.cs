using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// Typed reads of config.json values: a missing or mistyped key is one <see cref="InvalidDataException"/> naming the
/// key and what was expected, so every architecture reports config problems the same way.
/// </summary>
public static class HfConfig
{
    public static JsonObject Read(string path)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            // System.Text.Json checks string contents only when a value is read ("Cannot transcode invalid UTF-8"),
            // far from the file: check the whole file here, where its name is known.
            if (!Utf8.IsValid(bytes)) throw new InvalidDataException($"{path}: not valid UTF-8 (line {LineOfInvalidUtf8(bytes)})");
            return JsonNode.Parse(bytes) as JsonObject
                   ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot be read ({e.Message})", e);
        }
    }

    private static int LineOfInvalidUtf8(byte[] bytes)
    {
        var status = Utf8.ToUtf16(bytes, new char[bytes.Length], out int valid, out _, replaceInvalidSequences: false);
        return status == System.Buffers.OperationStatus.Done ? 0 : bytes.AsSpan(0, valid).Count((byte)'\n') + 1;
    }

    public static int Int(this JsonObject config, string key) =>
        TryInt(config, key) ?? throw Missing(key, "an integer");

    public static int Int(this JsonObject config, string key, int fallback) => TryInt(config, key) ?? fallback;

    public static int? TryInt(this JsonObject config, string key) => config[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out int i) => i,
        JsonValue v when v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue => (int)d,
        var other => throw Wrong(key, "an integer", other),
    };

    public static float Float(this JsonObject config, string key, float fallback) => config[key] switch
    {
        null => fallback,
        JsonValue v when v.TryGetValue(out double d) => (float)d,
        var other => throw Wrong(key, "a number", other),
    };

    public static float Float(this JsonObject config, string key) =>
        config[key] is null ? throw Missing(key, "a number") : Float(config, key, 0);

    public static string String(this JsonObject config, string key, string fallback) => config[key] switch
    {
        null => fallback,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var other => throw Wrong(key, "a string", other),
    };

    public static bool Bool(this JsonObject config, string key, bool fallback) => config[key] switch
    {
        null => fallback,
        JsonValue v when v.TryGetValue(out bool b) => b,
        var other => throw Wrong(key, "true or false", other),
    };

    private static InvalidDataException Missing(string key, string expected) =>
        new($"config.json has no \"{key}\" ({expected} is needed)");

    private static InvalidDataException Wrong(string key, string expected, JsonNode? value) =>
        new($"config.json's \"{key}\" should be {expected}, got {value?.ToJsonString() ?? "null"}");
}
