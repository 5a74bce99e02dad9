using System.Text.Json;

namespace LlmLab.Tokenizers;

/// <summary>
/// The small JSON files beside a Hugging Face tokenizer: tokenizer_config.json (options such as do_lower_case, the
/// special tokens, added_tokens_decoder), special_tokens_map.json (the special tokens; it wins over
/// tokenizer_config.json, as in transformers) and added_tokens.json (tokens added after the vocabulary). All optional.
/// A token is written as a string or as an AddedToken object with "content"; null means "none".
/// </summary>
internal sealed class HfTokenizerConfig
{
    public const string ConfigFile = "tokenizer_config.json", SpecialTokensMapFile = "special_tokens_map.json", AddedTokensFile = "added_tokens.json";

    private readonly Dictionary<string, (JsonElement Value, string Path)> _config = [];
    private readonly Dictionary<string, (JsonElement Value, string Path)> _specialMap = [];

    /// <summary>Added tokens by id (added_tokens_decoder, then added_tokens.json).</summary>
    public Dictionary<int, string> AddedTokens { get; } = [];

    /// <summary>Ids of added tokens marked "special": true in added_tokens_decoder (never matched in text).</summary>
    public HashSet<int> SpecialAddedTokens { get; } = [];

    /// <summary>The files that were present, with their bytes (HfTokenizer.Save writes them back).</summary>
    public List<(string Name, byte[] Bytes)> Files { get; } = [];

    public static HfTokenizerConfig Read(string folder)
    {
        var config = new HfTokenizerConfig();
        if (config.ReadObject(folder, ConfigFile) is { } root)
        {
            foreach (var property in root.EnumerateObject()) config._config[property.Name] = (property.Value.Clone(), Path.Combine(folder, ConfigFile));
            if (root.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object)
                foreach (var entry in decoder.EnumerateObject())
                {
                    if (!int.TryParse(entry.Name, out int id) || id < 0 || TokenText(entry.Value) is not { } content)
                        throw new TokenizerFileException(Path.Combine(folder, ConfigFile), $"added_tokens_decoder entry \"{entry.Name}\" must map a token id to {{\"content\": ...}}, got {entry.Value.GetRawText()}");
                    config.AddedTokens[id] = content;
                    if (entry.Value.TryGetProperty("special", out var special) && special.ValueKind == JsonValueKind.True) config.SpecialAddedTokens.Add(id);
                }
        }
        if (config.ReadObject(folder, SpecialTokensMapFile) is { } map)
            foreach (var property in map.EnumerateObject()) config._specialMap[property.Name] = (property.Value.Clone(), Path.Combine(folder, SpecialTokensMapFile));
        if (config.ReadObject(folder, AddedTokensFile) is { } added)
            foreach (var property in added.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int id) || id < 0)
                    throw new TokenizerFileException(Path.Combine(folder, AddedTokensFile), $"token \"{property.Name}\" must map to a non-negative id, got {property.Value.GetRawText()}");
                config.AddedTokens.TryAdd(id, property.Name);
            }
        return config;
    }

    /// <summary>
    /// The token named for <paramref name="role"/> ("bos" reads "bos_token"): true with the token (null for an
    /// explicit null) when a file names one, false when none does. <paramref name="source"/> is the file it came from.
    /// </summary>
    public bool TryGetToken(string role, out string? token, out string source)
    {
        string key = role + "_token";
        token = null;
        source = "";
        if (!_specialMap.TryGetValue(key, out var entry) && !_config.TryGetValue(key, out entry)) return false;
        source = entry.Path;
        if (entry.Value.ValueKind == JsonValueKind.Null) return true;
        token = TokenText(entry.Value) ?? throw new TokenizerFileException(entry.Path, $"\"{key}\" must be a string, {{\"content\": ...}} or null, got {entry.Value.GetRawText()}");
        return true;
    }

    /// <summary>additional_special_tokens (T5's &lt;extra_id_i&gt; sentinels), from either file.</summary>
    public IEnumerable<string> AdditionalSpecialTokens()
    {
        if (!_specialMap.TryGetValue("additional_special_tokens", out var entry) && !_config.TryGetValue("additional_special_tokens", out entry)) yield break;
        if (entry.Value.ValueKind != JsonValueKind.Array)
            throw new TokenizerFileException(entry.Path, $"\"additional_special_tokens\" must be a list, got {entry.Value.GetRawText()}");
        foreach (var item in entry.Value.EnumerateArray())
            yield return TokenText(item) ?? throw new TokenizerFileException(entry.Path, $"\"additional_special_tokens\" holds {item.GetRawText()}, not a token");
    }

    /// <summary>A true/false option of tokenizer_config.json; null when absent or null.</summary>
    public bool? Bool(string key)
    {
        if (!_config.TryGetValue(key, out var entry) || entry.Value.ValueKind == JsonValueKind.Null) return null;
        return entry.Value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new TokenizerFileException(entry.Path, $"\"{key}\" must be true, false or null, got {entry.Value.GetRawText()}"),
        };
    }

    /// <summary>A whole-number option of tokenizer_config.json; null when absent or null.</summary>
    public int? Int(string key)
    {
        if (!_config.TryGetValue(key, out var entry) || entry.Value.ValueKind == JsonValueKind.Null) return null;
        return entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out int value) && value >= 0
            ? value
            : throw new TokenizerFileException(entry.Path, $"\"{key}\" must be a non-negative integer, got {entry.Value.GetRawText()}");
    }

    private static string? TokenText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
        _ => null,
    };

    private JsonElement? ReadObject(string folder, string name)
    {
        string path = Path.Combine(folder, name);
        if (!File.Exists(path)) return null;
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerFileException(path, $"cannot read the file ({e.Message})", e);
        }
        Files.Add((name, bytes));
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw new TokenizerFileException(path, "expected a JSON object");
        }
        catch (JsonException e) { throw new TokenizerFileException(path, $"not valid JSON ({e.Message})", e); }
    }
}
